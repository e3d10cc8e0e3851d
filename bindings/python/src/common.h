// SPDX-License-Identifier: Apache-2.0
// Shared pieces of libconsent._core: the status-to-exception path, the datetime caster, and the
// store handle every other binding object hangs off.
//
// GIL rules for the whole module: C++ work that may block or take long (store reads, appends,
// folding, table building) runs with the GIL released; Python objects are only touched with the
// GIL held. Locks of this module are always taken *after* releasing the GIL, never the other
// way round, so a thread waiting for a lock never holds the GIL.

#ifndef CONSENT_BINDINGS_PYTHON_COMMON_H_
#define CONSENT_BINDINGS_PYTHON_COMMON_H_

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "consent/event_store.h"
#include "consent/status.h"

namespace consent::python {

namespace py = pybind11;
using TimePoint = std::chrono::system_clock::time_point;

// ---- Errors -------------------------------------------------------------------------------------

// Carries a non-OK Status out of binding code; the module's one exception translator
// (errors.cc) turns it into the libconsent.errors exception for its code.
class StatusError : public std::exception {
 public:
  explicit StatusError(Status status) : status_(std::move(status)), what_(status_.ToString()) {}
  const Status& status() const { return status_; }
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  Status status_;
  std::string what_;
};

[[noreturn]] inline void Throw(const Status& status) { throw StatusError(status); }
inline void Check(const Status& status) {
  if (!status.ok()) Throw(status);
}
template <typename T>
T Unwrap(StatusOr<T>&& v) {
  if (!v.ok()) Throw(v.status());
  return std::move(v).value();
}
[[noreturn]] inline void ThrowInvalid(std::string message, std::string field = {}) {
  ErrorContext ctx;
  ctx.field = std::move(field);
  Throw(InvalidArgumentError(std::move(message), std::move(ctx)));
}

// Registers the translator (StatusError -> libconsent.errors) and _core._raise_status.
void RegisterErrors(py::module_& m);
// Sets the Python error indicator for `status` (used by the translator, and for errors that
// surface outside a C++ exception, e.g. a failed subscription).
void SetPythonError(const Status& status);

// ---- Times --------------------------------------------------------------------------------------

int64_t ToUnixNanos(TimePoint t);
TimePoint FromUnixNanos(int64_t ns);
// Aware datetime in UTC, microsecond precision (datetime's own).
py::object ToDatetime(TimePoint t);
// A datetime (aware, or naive = UTC) to a time point; TypeError for anything else.
TimePoint FromDatetime(py::handle obj);

// ---- The store handle -----------------------------------------------------------------------------

// Something that lives on top of an open store (a Ledger, a Compliance engine, a subscription)
// and must be shut before the store closes.
class Dependent {
 public:
  virtual ~Dependent() = default;
  // Stop background threads. Called without the GIL and without the handle's lock, so that a
  // callback still running on such a thread can finish.
  virtual void StopThreads() = 0;
  // Drop everything that points into the store. Called under the handle's exclusive lock.
  virtual void Release() = 0;
};

// Owns the EventStore. Operations take a shared lock (Use()); Close() stops dependents' threads,
// takes the exclusive lock, releases the dependents and closes RocksDB, so that reopening the
// same path in this process works.
class StoreHandle {
 public:
  StoreHandle(std::unique_ptr<EventStore> store, std::string path)
      : store_(std::move(store)), path_(std::move(path)) {}
  ~StoreHandle() { Close(); }

  class Use {
   public:
    Use(std::shared_lock<std::shared_mutex> lock, EventStore* store)
        : lock_(std::move(lock)), store_(store) {}
    EventStore* operator->() const { return store_; }
    EventStore& operator*() const { return *store_; }
    EventStore* get() const { return store_; }

   private:
    std::shared_lock<std::shared_mutex> lock_;
    EventStore* store_;
  };

  // REQUIRES: the GIL is not held. kFailedPrecondition once the store is closed.
  Use Acquire(const char* op) const {
    std::shared_lock<std::shared_mutex> lock(mu_);
    if (store_ == nullptr || closing_.load()) {
      ErrorContext ctx;
      Throw(FailedPreconditionError(std::string(op) + ": the store at \"" + path_ + "\" is closed",
                                    ctx));
    }
    return Use(std::move(lock), store_.get());
  }

  void AddDependent(const std::shared_ptr<Dependent>& d) {
    std::lock_guard<std::mutex> lock(dep_mu_);
    dependents_.push_back(d);
  }

  // REQUIRES: the GIL is not held. Idempotent.
  void Close() {
    closing_.store(true);
    std::vector<std::shared_ptr<Dependent>> deps;
    {
      std::lock_guard<std::mutex> lock(dep_mu_);
      for (auto& w : dependents_) {
        if (auto d = w.lock()) deps.push_back(std::move(d));
      }
      dependents_.clear();
    }
    for (auto& d : deps) d->StopThreads();
    std::unique_lock<std::shared_mutex> lock(mu_);
    for (auto& d : deps) d->Release();
    store_.reset();
  }

  bool closed() const { return closing_.load(); }
  const std::string& path() const { return path_; }

 private:
  mutable std::shared_mutex mu_;
  std::unique_ptr<EventStore> store_;
  std::atomic<bool> closing_{false};
  std::string path_;
  std::mutex dep_mu_;
  std::vector<std::weak_ptr<Dependent>> dependents_;
};

// The handle of a libconsent._core.Store (TypeError for anything else).
std::shared_ptr<StoreHandle> HandleOf(py::handle store);

// ---- Registration of the parts ------------------------------------------------------------------
void RegisterStore(py::module_& m);
void RegisterDomain(py::module_& m);
void RegisterTables(py::module_& m);
void RegisterDirectory(py::module_& m);
void RegisterReplication(py::module_& m);

}  // namespace consent::python

#endif  // CONSENT_BINDINGS_PYTHON_COMMON_H_
