// A progress bar on stderr for long inputs, drawn only when stderr is a
// terminal (a script or a CI log gets silence), and redrawn at most ten times
// a second so that it costs nothing measurable.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace highport::cli {

class ProgressBar {
 public:
  ProgressBar();  // enabled when stderr is a terminal
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  bool enabled() const { return enabled_; }
  // What Update() counts: bytes of a file, or records (a database's rows).
  enum class Unit : uint8_t { kBytes, kRecords };
  // The input now being read ("pfirewall.log"); resets the rate.
  void Start(std::string label, Unit unit = Unit::kBytes);
  // Units read so far of `total` (0: unknown size, no percentage).
  void Update(uint64_t done, uint64_t total);
  // Erases the bar, so that what is printed next starts on a clean line.
  void Clear();

 private:
  bool enabled_ = false;
  bool drawn_ = false;
  std::string label_;
  Unit unit_ = Unit::kBytes;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace highport::cli
