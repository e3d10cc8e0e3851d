// SPDX-License-Identifier: Apache-2.0
// libconsent._core.Store and Subscription: the event store, its reads (in batches, so the
// Python iterators release the GIL while C++ reads) and catch-up subscriptions (a Python
// callback called with the GIL, or a bounded queue drained by a Python iterator).
//
// Events cross the boundary as serialized consent.v1.Event bytes; the Python package decodes
// them with the generated event_pb2 module.

#include <pybind11/stl.h>

#include <condition_variable>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common.h"
#include "consent/backup.h"

namespace consent::python {
namespace {

py::list ToBytesList(const std::vector<std::string>& items) {
  py::list out(items.size());
  for (size_t i = 0; i < items.size(); ++i) out[i] = py::bytes(items[i]);
  return out;
}

std::vector<std::string> Serialize(const std::vector<Event>& events) {
  std::vector<std::string> out;
  out.reserve(events.size());
  for (const Event& e : events) out.push_back(e.SerializeAsString());
  return out;
}

EventFilter MakeFilter(std::vector<std::string> categories, std::vector<std::string> types,
                       std::vector<std::string> integrator_types) {
  EventFilter f;
  f.categories = std::move(categories);
  f.types = std::move(types);
  f.integrator_types = std::move(integrator_types);
  return f;
}

py::dict BackupInfoDict(const BackupInfo& info) {
  py::dict d;
  d["path"] = info.path;
  d["store_id"] = info.store_id;
  d["head_position"] = info.head_position;
  d["head_hash_hex"] = info.head_hash_hex;
  return d;
}

// A backup operation on directories, run without the GIL.
template <typename Fn>
py::dict RunBackupOp(Fn&& fn) {
  BackupInfo info;
  {
    py::gil_scoped_release release;
    info = Unwrap(fn());
  }
  return BackupInfoDict(info);
}

// Parses serialized consent.v1.Events straight from the bytes objects' buffers (no copy).
// REQUIRES: GIL held.
std::vector<Event> ParseEvents(const std::string& stream, const py::list& events) {
  std::vector<Event> parsed(events.size());
  for (size_t i = 0; i < parsed.size(); ++i) {
    PyObject* item = PyList_GetItem(events.ptr(), static_cast<Py_ssize_t>(i));  // borrowed
    char* data = nullptr;
    Py_ssize_t size = 0;
    if (item == nullptr || PyBytes_AsStringAndSize(item, &data, &size) != 0 ||
        !parsed[i].ParseFromArray(data, static_cast<int>(size))) {
      PyErr_Clear();
      ErrorContext ctx;
      ctx.index = i;
      ctx.stream = stream;
      Throw(InvalidArgumentError("Append(stream \"" + stream + "\"): event " + std::to_string(i) +
                                     " is not a serialized consent.v1.Event",
                                 std::move(ctx)));
    }
  }
  return parsed;
}

AppendOptions SyncOption(std::optional<bool> sync) {
  AppendOptions o;
  o.sync = sync;
  return o;
}

py::dict AppendResultDict(const AppendResult& r) {
  py::dict d;
  d["stream"] = r.stream;
  d["next_expected_revision"] = r.next_expected_revision;
  d["first_position"] = r.first_position;
  d["last_position"] = r.last_position;
  d["deduplicated"] = r.deduplicated;
  return d;
}

// ---- Subscription ------------------------------------------------------------------------------

class PySubscription : public Dependent {
 public:
  PySubscription(std::shared_ptr<StoreHandle> handle, py::object callback, py::object decode,
                 size_t queue_size)
      : handle_(std::move(handle)),
        callback_(std::move(callback)),
        decode_(std::move(decode)),
        queue_size_(queue_size) {}

  // The Python objects must die with the GIL held: that is the case when pybind11 destroys the
  // holder. Stop first, without the GIL, so a handler waiting for it can finish.
  ~PySubscription() override {
    if (PyGILState_Check() != 0) {
      py::gil_scoped_release release;
      StopThreads();
      sub_.reset();
    } else {
      StopThreads();
      sub_.reset();
      py::gil_scoped_acquire gil;
      callback_ = py::object();
      decode_ = py::object();
      callback_error_ = py::object();
    }
  }

  // REQUIRES: GIL released.
  void Start(SubscribeOptions options) {
    EventHandler handler;
    if (!callback_.is_none()) {
      handler = [this](const Event& e) { return DeliverToCallback(e); };
    } else {
      handler = [this](const Event& e) { return Enqueue(e); };
    }
    auto use = handle_->Acquire("Subscribe");
    sub_ = Unwrap(use->Subscribe(std::move(options), std::move(handler)));
  }

  void StopThreads() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    space_cv_.notify_all();
    data_cv_.notify_all();
    // From the callback itself (sub.stop() inside it) the thread cannot join itself: the flag
    // makes the handler end the subscription when the callback returns.
    if (OnHandlerThread()) return;
    std::lock_guard<std::mutex> lock(stop_mu_);
    if (sub_) sub_->Stop();
  }

  bool OnHandlerThread() const { return handler_thread_.load() == std::this_thread::get_id(); }

  // The deleter of the shared_ptr Python holds: if the last reference goes away on the
  // subscription's own thread (dropped inside the callback), joining it there would deadlock,
  // so another thread destroys it.
  static void Delete(PySubscription* p) {
    if (p->OnHandlerThread()) {
      {
        std::lock_guard<std::mutex> lock(p->mu_);
        p->stopping_ = true;  // no delivery after the callback that dropped it
      }
      std::thread([p] { delete p; }).detach();
    } else {
      delete p;
    }
  }
  void Release() override {}  // the C++ subscription lives until this object dies; stopped

  void Stop() {
    py::gil_scoped_release release;
    StopThreads();
  }

  bool is_live() const { return sub_ && sub_->is_live(); }
  uint64_t last_position() const { return sub_ ? sub_->last_position() : 0; }

  // The subscription's failure other than a callback's exception (a read error), or OK.
  Status status() const {
    if (!sub_) return Status();
    Status s = sub_->status();
    if (!s.ok() && !callback_error_.is_none()) return Status();
    if (!s.ok() && s.code() == StatusCode::kCancelled && stopping_snapshot()) return Status();
    return s;
  }
  void CheckStatus() const { Check(status()); }

  py::object callback_error() const { return callback_error_; }

  bool WaitFor(uint64_t position, double timeout_s) {
    if (!sub_) return false;
    py::gil_scoped_release release;
    return sub_->WaitFor(position, ToMillis(timeout_s));
  }

  // Queue mode: the next events (at most `max`), waiting up to `timeout_s` (negative: forever)
  // for the first. Empty list: timeout. None: the subscription ended (stopped or failed).
  py::object NextBatch(double timeout_s, size_t max) {
    std::vector<std::string> batch;
    bool ended = false;
    {
      py::gil_scoped_release release;
      const auto deadline = std::chrono::steady_clock::now() +
                            (timeout_s < 0 ? std::chrono::hours(24 * 365 * 100) : ToMillis(timeout_s));
      std::unique_lock<std::mutex> lock(mu_);
      while (queue_.empty()) {
        if (stopping_ || (sub_ && !sub_->status().ok())) {
          ended = true;
          break;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) break;
        // Slices, so that a subscription that failed (it does not notify) is noticed.
        data_cv_.wait_until(lock, std::min(deadline, now + std::chrono::milliseconds(50)));
      }
      while (!queue_.empty() && batch.size() < max) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    space_cv_.notify_all();
    if (batch.empty() && ended) return py::none();
    return ToBytesList(batch);
  }

 private:
  static std::chrono::milliseconds ToMillis(double s) {
    if (s < 0) return std::chrono::milliseconds(std::numeric_limits<int32_t>::max());
    return std::chrono::milliseconds(static_cast<int64_t>(s * 1000.0));
  }
  bool stopping_snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stopping_;
  }

  Status DeliverToCallback(const Event& e) {
    handler_thread_.store(std::this_thread::get_id());
    const std::string bytes = e.SerializeAsString();
    if (stopping_snapshot()) return CancelledError("subscription stopped");
    py::gil_scoped_acquire gil;
    if (!callback_error_.is_none()) return CancelledError("Python callback failed earlier");
    try {
      callback_(decode_(py::bytes(bytes)));
    } catch (py::error_already_set& err) {
      err.restore();
      PyObject *type = nullptr, *value = nullptr, *trace = nullptr;
      PyErr_Fetch(&type, &value, &trace);
      PyErr_NormalizeException(&type, &value, &trace);
      if (trace != nullptr && value != nullptr) PyException_SetTraceback(value, trace);
      callback_error_ = py::reinterpret_steal<py::object>(value);
      Py_XDECREF(type);
      Py_XDECREF(trace);
      ErrorContext ctx;
      ctx.position = e.position();
      return CancelledError("Python callback raised at position " + std::to_string(e.position()),
                            std::move(ctx));
    }
    if (stopping_snapshot()) return CancelledError("subscription stopped");
    return Status();
  }

  Status Enqueue(const Event& e) {
    handler_thread_.store(std::this_thread::get_id());
    std::string bytes = e.SerializeAsString();
    std::unique_lock<std::mutex> lock(mu_);
    space_cv_.wait(lock, [&] { return queue_.size() < queue_size_ || stopping_; });
    if (stopping_) return CancelledError("subscription stopped");
    queue_.push_back(std::move(bytes));
    lock.unlock();
    data_cv_.notify_one();
    return Status();
  }

  std::shared_ptr<StoreHandle> handle_;
  py::object callback_;
  py::object decode_;
  py::object callback_error_ = py::none();
  const size_t queue_size_;

  mutable std::mutex mu_;
  std::condition_variable space_cv_;
  std::condition_variable data_cv_;
  std::deque<std::string> queue_;
  bool stopping_ = false;

  std::mutex stop_mu_;
  std::unique_ptr<Subscription> sub_;
  std::atomic<std::thread::id> handler_thread_{};
};

// ---- Store ---------------------------------------------------------------------------------------

class PyStore {
 public:
  explicit PyStore(std::shared_ptr<StoreHandle> handle) : handle_(std::move(handle)) {}
  const std::shared_ptr<StoreHandle>& handle() const { return handle_; }

 private:
  std::shared_ptr<StoreHandle> handle_;
};

}  // namespace

std::shared_ptr<StoreHandle> HandleOf(py::handle store);

void RegisterStore(py::module_& m) {
  py::class_<PySubscription, std::shared_ptr<PySubscription>>(
      m, "Subscription",
      "A running catch-up subscription (low level; see libconsent.Subscription).")
      .def("stop", &PySubscription::Stop, "Stops delivery and joins the thread. Idempotent.")
      .def_property_readonly("is_live", &PySubscription::is_live,
           "True once catch-up reached the head.")
      .def_property_readonly("last_position", &PySubscription::last_position,
           "Last position processed (delivered or filtered out).")
      .def_property_readonly("callback_error", &PySubscription::callback_error,
           "The exception the Python callback raised, or None.")
      .def("check", &PySubscription::CheckStatus,
           "Raises the translated error when the subscription failed (a read error).")
      .def("wait_for", &PySubscription::WaitFor, py::arg("position"), py::arg("timeout"),
           "Blocks without the GIL until `position` is processed/folded or `timeout` seconds "
           "pass; False on timeout.")
      .def("next_batch", &PySubscription::NextBatch, py::arg("timeout"), py::arg("max") = 4096,
           "Queue mode: serialized events waiting (up to `max`), after waiting up to `timeout` s "
           "(negative: forever) for the first; [] on timeout, None once ended.");

  py::class_<PyStore>(m, "Store", "An open event store (low level; see libconsent.Store).")
      .def_static(
          "open",
          [](const std::string& path, bool create_if_missing, bool error_if_exists, bool sync,
             std::optional<size_t> block_cache_bytes, bool read_only) {
            StoreOptions o;
            o.read_only = read_only;
            o.create_if_missing = create_if_missing;
            o.error_if_exists = error_if_exists;
            o.sync = sync;
            if (block_cache_bytes) o.block_cache_bytes = *block_cache_bytes;
            std::unique_ptr<EventStore> store;
            {
              py::gil_scoped_release release;
              store = Unwrap(EventStore::Open(o, path));
            }
            return PyStore(std::make_shared<StoreHandle>(std::move(store), path));
          },
          py::arg("path"), py::kw_only(), py::arg("create_if_missing") = true,
          py::arg("error_if_exists") = false, py::arg("sync") = true,
          py::arg("block_cache_bytes") = py::none(), py::arg("read_only") = false,
           "Opens (or creates) the store at `path` (consent::EventStore::Open).")
      .def_property_readonly("read_only",
           [](const PyStore& s) {
             py::gil_scoped_release release;
             return s.handle()->Acquire("read_only")->read_only();
           },
           "True when the store was opened read-only.")
      .def(
          "backup",
          [](PyStore& s, const std::string& dest) {
            BackupInfo info;
            {
              py::gil_scoped_release release;
              auto use = s.handle()->Acquire("BackupStore");
              info = Unwrap(BackupStore(*use, dest));
            }
            return BackupInfoDict(info);
          },
          py::arg("dest"), "Backs the store up into the new directory `dest` (consent::BackupStore).")
      .def("close",
           [](PyStore& s) {
             py::gil_scoped_release release;
             s.handle()->Close();
           },
           "Stops dependents (subscriptions, live engines), then closes RocksDB. Idempotent.")
      .def_property_readonly("closed", [](const PyStore& s) { return s.handle()->closed(); },
           "True once close() was called.")
      .def_property_readonly("path", [](const PyStore& s) { return s.handle()->path(); },
           "The directory the store was opened at.")
      .def(
          "append",
          [](PyStore& s, const std::string& stream, int64_t expected_revision,
             const py::list& events, std::optional<bool> sync) {
            std::vector<Event> parsed = ParseEvents(stream, events);
            AppendResult r;
            {
              py::gil_scoped_release release;
              auto use = s.handle()->Acquire("Append");
              r = Unwrap(use->Append(stream, expected_revision, std::move(parsed), SyncOption(sync)));
            }
            return AppendResultDict(r);
          },
          py::arg("stream"), py::arg("expected_revision"), py::arg("events"),
          py::arg("sync") = py::none(),
           "Appends serialized events (a list of bytes) to `stream` at `expected_revision`; "
           "returns the AppendResult as a dict.")
      .def(
          "append_multi",
          [](PyStore& s, const py::list& appends, std::optional<bool> sync) {
            std::vector<StreamAppend> batch;
            batch.reserve(appends.size());
            for (const py::handle item : appends) {
              auto [stream, expected, events] = item.cast<std::tuple<std::string, int64_t, py::list>>();
              batch.push_back(StreamAppend{stream, expected, ParseEvents(stream, events)});
            }
            MultiAppendResult r;
            {
              py::gil_scoped_release release;
              auto use = s.handle()->Acquire("AppendMulti");
              r = Unwrap(use->AppendMulti(std::move(batch), SyncOption(sync)));
            }
            py::list streams;
            for (const AppendResult& a : r.streams) streams.append(AppendResultDict(a));
            py::dict d;
            d["streams"] = streams;
            d["first_position"] = r.first_position;
            d["last_position"] = r.last_position;
            d["deduplicated"] = r.deduplicated;
            return d;
          },
          py::arg("appends"), py::arg("sync") = py::none(),
           "Appends to several streams in one write, all or nothing: `appends` is a list of "
           "(stream, expected_revision, [serialized events]); returns the MultiAppendResult as "
           "a dict.")
      .def(
          "read_stream_batch",
          [](PyStore& s, const std::string& stream, int64_t from_revision, size_t max_count,
             bool backward) {
            std::vector<std::string> out;
            {
              py::gil_scoped_release release;
              ReadStreamOptions o;
              o.direction = backward ? Direction::kBackward : Direction::kForward;
              o.from_revision = from_revision;
              o.max_count = max_count;
              auto use = s.handle()->Acquire("ReadStream");
              out = Serialize(Unwrap(use->ReadStream(stream, o)));
            }
            return ToBytesList(out);
          },
          py::arg("stream"), py::arg("from_revision"), py::arg("max_count"),
          py::arg("backward") = false,
           "Up to `max_count` serialized events of `stream` from `from_revision` (GIL released).")
      .def(
          "read_all_batch",
          [](PyStore& s, uint64_t from_position, uint64_t to_position, size_t max_count,
             bool backward, std::vector<std::string> categories, std::vector<std::string> types,
             std::vector<std::string> integrator_types) {
            std::vector<std::string> out;
            {
              py::gil_scoped_release release;
              ReadAllOptions o;
              o.direction = backward ? Direction::kBackward : Direction::kForward;
              o.from_position = from_position;
              o.to_position = to_position;
              o.max_count = max_count;
              o.filter = MakeFilter(std::move(categories), std::move(types), std::move(integrator_types));
              auto use = s.handle()->Acquire("ReadAll");
              Check(use->ScanAll(o, [&](const Event& e) {
                out.push_back(e.SerializeAsString());
                return true;
              }));
            }
            return ToBytesList(out);
          },
          py::arg("from_position"), py::arg("to_position"), py::arg("max_count"),
          py::arg("backward") = false, py::arg("categories") = std::vector<std::string>{},
          py::arg("types") = std::vector<std::string>{},
          py::arg("integrator_types") = std::vector<std::string>{},
           "Up to `max_count` serialized events of the log in [from_position, to_position], "
           "filtered (GIL released).")
      .def(
          "read_event",
          [](PyStore& s, uint64_t position) {
            std::string out;
            {
              py::gil_scoped_release release;
              auto use = s.handle()->Acquire("ReadEvent");
              out = Unwrap(use->ReadEvent(position)).SerializeAsString();
            }
            return py::bytes(out);
          },
          py::arg("position"),
           "The serialized event at `position`.")
      .def(
          "find_event",
          [](PyStore& s, const std::string& event_id) {
            py::gil_scoped_release release;
            auto use = s.handle()->Acquire("FindEvent");
            return Unwrap(use->FindEvent(event_id));
          },
          py::arg("event_id"),
           "Position of the event with this 16-byte id.")
      .def(
          "stream_revision",
          [](PyStore& s, const std::string& stream) {
            py::gil_scoped_release release;
            auto use = s.handle()->Acquire("StreamRevision");
            return Unwrap(use->StreamRevision(stream));
          },
          py::arg("stream"),
           "Last revision of `stream`, -1 when it does not exist.")
      .def("head_position",
           [](PyStore& s) {
             py::gil_scoped_release release;
             auto use = s.handle()->Acquire("HeadPosition");
             return use->HeadPosition();
           },
           "Position of the last committed event (0 when empty).")
      .def(
          "verify",
          [](PyStore& s, uint64_t from, uint64_t to) {
            VerifyReport r;
            {
              py::gil_scoped_release release;
              auto use = s.handle()->Acquire("Verify");
              r = Unwrap(use->Verify(from, to));
            }
            py::dict d;
            d["from_position"] = r.from_position;
            d["to_position"] = r.to_position;
            d["events_checked"] = r.events_checked;
            d["chain_hash_hex"] = r.chain_hash_hex;
            return d;
          },
          py::arg("from_position") = 1, py::arg("to_position") = 0,
           "Recomputes the hash chain over [from, to] (0: head); the VerifyReport as a dict.")
      .def("stats",
           [](PyStore& s) {
             StoreStats st;
             {
               py::gil_scoped_release release;
               auto use = s.handle()->Acquire("Stats");
               st = Unwrap(use->Stats());
             }
             py::dict d;
             d["path"] = st.path;
             d["store_id"] = st.store_id;
             d["format_version"] = st.format_version;
             d["head_position"] = st.head_position;
             d["stream_count"] = st.stream_count;
             d["head_hash_hex"] = st.head_hash_hex;
             d["approximate_bytes"] = st.approximate_bytes;
             return d;
           },
           "Store figures as a dict (path, store_id, head_position, ...).")
      .def(
          "subscribe",
          [](PyStore& s, uint64_t from_position, std::vector<std::string> categories,
             std::vector<std::string> types, size_t batch_size, py::object callback,
             py::object decode, size_t queue_size, std::vector<std::string> integrator_types) {
            if (from_position == 0) ThrowInvalid("Subscribe: from_position must be >= 1", "from_position");
            if (queue_size == 0) ThrowInvalid("Subscribe: queue_size must be >= 1", "queue_size");
            if (!callback.is_none() && !PyCallable_Check(callback.ptr())) {
              ThrowInvalid("Subscribe: callback is not callable", "callback");
            }
            std::shared_ptr<PySubscription> sub(
                new PySubscription(s.handle(), std::move(callback), std::move(decode), queue_size),
                &PySubscription::Delete);
            SubscribeOptions o;
            o.from_position = from_position;
            o.filter = MakeFilter(std::move(categories), std::move(types), std::move(integrator_types));
            o.batch_size = batch_size;
            {
              py::gil_scoped_release release;
              sub->Start(std::move(o));
              s.handle()->AddDependent(sub);
            }
            return sub;
          },
          py::arg("from_position"), py::arg("categories"), py::arg("types"),
          py::arg("batch_size"), py::arg("callback"), py::arg("decode"),
          py::arg("queue_size") = 4096, py::arg("integrator_types") = std::vector<std::string>{},
           "Starts a catch-up subscription delivering to `callback` (or to a queue when None); "
           "events are decoded with `decode`.");

  m.def(
      "verify_backup",
      [](const std::string& backup) { return RunBackupOp([&] { return VerifyBackup(backup); }); },
      py::arg("backup"), "Verifies a backup without restoring it (consent::VerifyBackup).");
  m.def(
      "restore_backup",
      [](const std::string& backup, const std::string& path) {
        return RunBackupOp([&] { return RestoreBackup(backup, path); });
      },
      py::arg("backup"), py::arg("path"),
      "Verifies `backup` and restores it as the new store at `path` (consent::RestoreBackup).");
}

std::shared_ptr<StoreHandle> HandleOf(py::handle store) {
  return store.cast<PyStore&>().handle();
}

}  // namespace consent::python
