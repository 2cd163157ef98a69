// One ingest into a database at a time. Two ingests of the same log that
// overlap (a scheduled ingest still running when the next one starts) would
// each find no stored source, each add one and store every row: counted
// twice, for good. The check and the storing cannot be one transaction (an
// ingest commits batch by batch, so that a killed one keeps what it stored),
// so an ingest holds this lock for its whole run, and a second one waits.
//
// The lock is flock(2) on a file of its own beside the database
// (DB-ingest-lock), never on the database file: SQLite locks that file with
// fcntl(2), and closing any other descriptor of it would drop those locks.
// Readers (`flows --db`) take no lock. The kernel releases it when the
// process ends, killed or not.
#pragma once

#include <functional>
#include <string>

#include "model/result.h"

namespace highport::store {

class IngestLock {
 public:
  // Takes the lock of the database at `db_path`; if another process holds
  // it, calls `waiting` once (with that process's pid, 0 if unknown) and
  // waits for it.
  static Result<IngestLock> Take(const std::string& db_path,
                                 const std::function<void(long holder_pid)>& waiting);
  IngestLock(IngestLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  IngestLock& operator=(IngestLock&&) = delete;
  IngestLock(const IngestLock&) = delete;
  ~IngestLock();

  static std::string PathFor(const std::string& db_path) { return db_path + "-ingest-lock"; }

 private:
  explicit IngestLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace highport::store
