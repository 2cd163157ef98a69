#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

#include "fmt/format.h"

namespace highport::cli {
namespace {

constexpr int kBarWidth = 30;

// "12.3 MB", or "1.2 M rows".
std::string Amount(double units, ProgressBar::Unit unit) {
  return fmt::format("{:.1f} {}", units / 1e6, unit == ProgressBar::Unit::kBytes ? "MB" : "M rows");
}

}  // namespace

ProgressBar::ProgressBar() : enabled_(::isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() { Clear(); }

void ProgressBar::Start(std::string label, Unit unit) {
  label_ = std::move(label);
  unit_ = unit;
  if (label_.size() > 40) label_ = "..." + label_.substr(label_.size() - 37);
  started_ = std::chrono::steady_clock::now();
  last_draw_ = {};
}

void ProgressBar::Update(uint64_t done, uint64_t total) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100) && done < total) return;
  last_draw_ = now;
  double seconds = std::chrono::duration<double>(now - started_).count();
  double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  std::string line;
  if (total > 0) {
    double share = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
    int filled = static_cast<int>(share * kBarWidth);
    std::string eta = "";
    if (rate > 0 && done < total) {
      eta = fmt::format(" {:.0f} s left", static_cast<double>(total - done) / rate);
    }
    line = fmt::format("{} [{}{}] {:3.0f}% {}/s{}", label_, std::string(filled, '#'),
                       std::string(kBarWidth - filled, '.'), share * 100,
                       Amount(rate, unit_), eta);
  } else {
    line = fmt::format("{} {} read, {}/s", label_, Amount(static_cast<double>(done), unit_),
                       Amount(rate, unit_));
  }
  // \r and erase-to-end-of-line: redraw in place.
  std::fprintf(stderr, "\r%s\x1b[K", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::Clear() {
  if (!drawn_) return;
  std::fprintf(stderr, "\r\x1b[K");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace highport::cli
