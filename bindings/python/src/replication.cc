// SPDX-License-Identifier: Apache-2.0
// libconsent._core replication: Replicator, GroupConsumer and verify_group over open stores
// (consent/replication.h, consent/group.h). Both objects are dependents of their store handle:
// closing the store drops them first.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <memory>
#include <string>

#include "common.h"
#include "consent/group.h"
#include "consent/replication.h"

namespace consent::python {
namespace {

StreamSettings Settings(const std::string& stream, int replicas, double dedupe_window_s) {
  StreamSettings s;
  s.name = stream;
  s.replicas = replicas;
  s.duplicate_window = std::chrono::milliseconds(static_cast<int64_t>(dedupe_window_s * 1000));
  return s;
}

py::dict ProgressDict(const ReplicationProgress& p) {
  py::dict d;
  d["acknowledged"] = p.acknowledged;
  d["head"] = p.head;
  d["published"] = p.published;
  d["resent"] = p.resent;
  d["lag"] = p.lag();
  return d;
}

py::list SitesList(const std::vector<GroupSite>& sites) {
  py::list out;
  for (const GroupSite& s : sites) {
    py::dict d;
    d["site"] = s.site;
    d["position"] = s.position;
    d["chain_hash"] = s.chain_hash_hex;
    d["stream_sequence"] = s.stream_sequence;
    out.append(d);
  }
  return out;
}

// An object built over a store handle that must be dropped before the store closes.
template <typename T>
class OnStore : public Dependent {
 public:
  explicit OnStore(std::shared_ptr<StoreHandle> h) : handle_(std::move(h)) {}
  void StopThreads() override {}
  void Release() override { object_.reset(); }

  // Runs `fn(object)` without the GIL under the store's shared lock.
  template <typename Fn>
  auto Run(const char* op, Fn&& fn) {
    py::gil_scoped_release release;
    auto use = handle_->Acquire(op);
    std::lock_guard<std::mutex> lock(mu_);  // the objects are not for concurrent use
    if (!object_) Throw(FailedPreconditionError(std::string(op) + ": the store is closed"));
    return fn(*object_);
  }

  std::shared_ptr<StoreHandle> handle_;
  std::unique_ptr<T> object_;
  std::mutex mu_;
};

using PyReplicator = OnStore<Replicator>;
using PyGroupConsumer = OnStore<GroupConsumer>;

}  // namespace

void RegisterReplication(py::module_& m) {
  py::class_<PyReplicator, std::shared_ptr<PyReplicator>>(m, "Replicator",
                                                          "Low-level Replicator; see libconsent.Replicator.")
      .def(py::init([](py::handle store, const std::string& nats, const std::string& site, const std::string& stream,
                       int replicas, double dedupe_window_s, double ack_timeout_s, size_t window) {
             auto r = std::make_shared<PyReplicator>(HandleOf(store));
             ReplicatorOptions o;
             o.nats.urls = nats;
             o.site = site;
             o.stream = Settings(stream, replicas, dedupe_window_s);
             o.ack_timeout = std::chrono::milliseconds(static_cast<int64_t>(ack_timeout_s * 1000));
             o.max_in_flight = window;
             {
               py::gil_scoped_release release;
               auto use = r->handle_->Acquire("Replicator");
               r->object_ = Unwrap(Replicator::Open(use.get(), std::move(o)));
             }
             r->handle_->AddDependent(r);
             return r;
           }),
           py::arg("store"), py::kw_only(), py::arg("nats"), py::arg("site"), py::arg("stream") = "CONSENT",
           py::arg("replicas") = 3, py::arg("dedupe_window") = 120.0, py::arg("ack_timeout") = 2.0,
           py::arg("window") = 4096)
      .def("catch_up",
           [](PyReplicator& r) {
             auto p = r.Run("Replicator.catch_up", [](Replicator& x) { return Unwrap(x.CatchUp()); });
             return ProgressDict(p);
           },
           "Publishes every event up to the head; returns the progress once all are acknowledged.")
      .def("progress", [](PyReplicator& r) {
        return ProgressDict(r.Run("Replicator.progress", [](Replicator& x) { return x.progress(); }));
      });

  py::class_<PyGroupConsumer, std::shared_ptr<PyGroupConsumer>>(
      m, "GroupConsumer", "Low-level GroupConsumer; see libconsent.GroupConsumer.")
      .def(py::init([](py::handle store, const std::string& nats, const std::string& stream, int replicas,
                       double dedupe_window_s, const std::string& durable, int batch) {
             auto c = std::make_shared<PyGroupConsumer>(HandleOf(store));
             GroupConsumerOptions o;
             o.nats.urls = nats;
             o.stream = Settings(stream, replicas, dedupe_window_s);
             o.durable = durable;
             o.batch = batch;
             {
               py::gil_scoped_release release;
               auto use = c->handle_->Acquire("GroupConsumer");
               c->object_ = Unwrap(GroupConsumer::Open(use.get(), std::move(o)));
             }
             c->handle_->AddDependent(c);
             return c;
           }),
           py::arg("store"), py::kw_only(), py::arg("nats"), py::arg("stream") = "CONSENT", py::arg("replicas") = 3,
           py::arg("dedupe_window") = 120.0, py::arg("durable") = "consent-group", py::arg("batch") = 512)
      .def("catch_up",
           [](PyGroupConsumer& c) {
             return c.Run("GroupConsumer.catch_up", [](GroupConsumer& x) { return Unwrap(x.CatchUp()); });
           },
           "Applies messages until a fetch finds none; returns how many events were applied.")
      .def("sites", [](PyGroupConsumer& c) {
        return SitesList(c.Run("GroupConsumer.sites", [](GroupConsumer& x) { return x.sites(); }));
      });

  m.def(
      "verify_group",
      [](py::handle store) {
        auto handle = HandleOf(store);
        GroupVerifyReport r;
        {
          py::gil_scoped_release release;
          auto use = handle->Acquire("verify_group");
          r = Unwrap(VerifyGroup(*use));
        }
        py::dict d;
        d["events_checked"] = r.group.events_checked;
        d["chain_hash"] = r.group.chain_hash_hex;
        d["sites"] = SitesList(r.sites);
        return d;
      },
      py::arg("store"), "VerifyGroup: the group store's chain and every site's chain.");
}

}  // namespace consent::python
