// SPDX-License-Identifier: Apache-2.0
// libconsent._core.MasterKey and SubjectDirectory: the crypto-shredding directory of
// consent/subject_directory.h. Results cross as dicts; the Python package (directory.py) wraps
// them. The master key's bytes stay in the C++ MasterKey (wiped on destruction) and never appear
// in a repr or a message.

#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "common.h"
#include "consent/subject_directory.h"

namespace consent::python {
namespace {

class PyMasterKey {
 public:
  explicit PyMasterKey(MasterKey key) : key_(std::move(key)) {}
  const MasterKey& key() const { return key_; }

 private:
  MasterKey key_;
};

std::string_view PartyShortName(v1::Party p) {
  switch (p) {
    case v1::PARTY_CALLER: return "caller";
    case v1::PARTY_AGENT: return "agent";
    default: return "";
  }
}

DirectoryWriteOptions WriteOptions(const std::string& event_id, const py::object& occur_time,
                                   std::optional<bool> sync) {
  DirectoryWriteOptions o;
  o.event_id = event_id;
  if (!occur_time.is_none()) o.occur_time = FromDatetime(occur_time);
  o.sync = sync;
  return o;
}

py::dict RecordDict(const IdentityRecord& r) {
  py::dict d;
  d["subject_ref"] = r.subject_ref;
  d["kind"] = std::string(PartyShortName(r.kind));
  d["key_id"] = r.key_id;
  d["erased"] = r.erased;
  if (r.identity) {
    py::dict id;
    id["phone_number"] = r.identity->phone_number;
    id["name"] = r.identity->name;
    id["note"] = r.identity->note;
    d["identity"] = id;
  } else {
    d["identity"] = py::none();
  }
  d["sealed_position"] = r.sealed_position;
  d["erased_position"] = r.erased_position;
  return d;
}

class PySubjectDirectory : public Dependent {
 public:
  explicit PySubjectDirectory(std::shared_ptr<StoreHandle> handle) : handle_(std::move(handle)) {}
  // REQUIRES: the GIL is not held.
  void Init(const MasterKey& key) {
    auto use = handle_->Acquire("SubjectDirectory");
    dir_ = Unwrap(SubjectDirectory::Open(use.get(), key));
  }
  void StopThreads() override {}
  void Release() override { dir_.reset(); }

  // Runs `fn(directory)` without the GIL, under the store's shared lock.
  template <typename Fn>
  auto Run(const char* op, Fn&& fn) {
    py::gil_scoped_release release;
    auto use = handle_->Acquire(op);
    return fn(*dir_);
  }

 private:
  std::shared_ptr<StoreHandle> handle_;
  std::unique_ptr<SubjectDirectory> dir_;
};

}  // namespace

void RegisterDirectory(py::module_& m) {
  py::class_<PyMasterKey>(m, "MasterKey",
                          "The host's 32-byte master key (low level; see libconsent.MasterKey). "
                          "Its bytes are never shown.")
      .def_static(
          "from_file",
          [](const std::string& path) {
            return PyMasterKey(Unwrap(MasterKey::FromFile(path)));
          },
          py::arg("path"),
          "MasterKey::FromFile: 64 hex characters (and one optional newline) from a file "
          "readable by its owner only.")
      .def_static(
          "from_environment",
          [](const std::string& variable) {
            return PyMasterKey(Unwrap(MasterKey::FromEnvironment(variable.c_str())));
          },
          py::arg("variable") = std::string(kMasterKeyEnvironmentVariable),
          "MasterKey::FromEnvironment: 64 hex characters from an environment variable.")
      .def_static(
          "from_hex",
          [](const std::string& hex) { return PyMasterKey(Unwrap(MasterKey::FromHex(hex))); },
          py::arg("hex"), "MasterKey::FromHex: 64 hexadecimal characters.")
      .def_static(
          "from_bytes",
          [](const py::bytes& raw) {
            return PyMasterKey(Unwrap(MasterKey::FromBytes(std::string(raw))));
          },
          py::arg("raw"), "MasterKey::FromBytes: exactly 32 raw bytes.")
      .def_static("generate", [] { return PyMasterKey(MasterKey::Generate()); },
                  "MasterKey::Generate: a fresh random key.")
      .def("to_hex", [](const PyMasterKey& k) { return k.key().ToHex(); },
           "The key as 64 lower-case hex characters (a secret: for writing a key file).")
      .def("__repr__", [](const PyMasterKey&) { return std::string("<MasterKey (hidden)>"); });

  py::class_<PySubjectDirectory, std::shared_ptr<PySubjectDirectory>>(
      m, "SubjectDirectory", "Low-level subject directory; see libconsent.SubjectDirectory.")
      .def(py::init([](py::handle store, const PyMasterKey& key) {
             auto handle = HandleOf(store);
             auto dir = std::make_shared<PySubjectDirectory>(handle);
             py::gil_scoped_release release;
             dir->Init(key.key());
             handle->AddDependent(dir);
             return dir;
           }),
           py::arg("store"), py::arg("master_key"))
      .def(
          "seal_identity",
          [](PySubjectDirectory& d, const std::string& subject_ref, int kind,
             const std::string& phone_number, const std::string& name, const std::string& note,
             const py::bytes& event_id, py::object occur_time, std::optional<bool> sync) {
            if (!v1::Party_IsValid(kind)) {
              ThrowInvalid("SealIdentity(subject \"" + subject_ref + "\"): invalid kind " +
                               std::to_string(kind),
                           "kind");
            }
            Identity who;
            who.phone_number = phone_number;
            who.name = name;
            who.note = note;
            const DirectoryWriteOptions o = WriteOptions(std::string(event_id), occur_time, sync);
            SealResult r = d.Run("SealIdentity", [&](SubjectDirectory& dir) {
              return Unwrap(dir.SealIdentity(subject_ref, static_cast<v1::Party>(kind), who, o));
            });
            py::dict out;
            out["subject_ref"] = r.subject_ref;
            out["key_id"] = r.key_id;
            out["position"] = r.position;
            out["key_created"] = r.key_created;
            out["deduplicated"] = r.deduplicated;
            return out;
          },
          py::arg("subject_ref"), py::arg("kind"), py::arg("phone_number") = "",
          py::arg("name") = "", py::arg("note") = "", py::arg("event_id") = py::bytes(),
          py::arg("occur_time") = py::none(), py::arg("sync") = py::none(),
          "SubjectDirectory::SealIdentity as a dict (subject_ref, key_id, position, "
          "key_created, deduplicated).")
      .def(
          "lookup",
          [](PySubjectDirectory& d, const std::string& subject_ref) {
            IdentityRecord r = d.Run("Lookup", [&](SubjectDirectory& dir) {
              return Unwrap(dir.Lookup(subject_ref));
            });
            return RecordDict(r);
          },
          py::arg("subject_ref"),
          "SubjectDirectory::Lookup as a dict (identity None once erased).")
      .def(
          "seal",
          [](PySubjectDirectory& d, const std::string& subject_ref, const py::bytes& plaintext) {
            const std::string text(plaintext);
            SealedValue v = d.Run("Seal", [&](SubjectDirectory& dir) {
              return Unwrap(dir.Seal(subject_ref, text));
            });
            return py::make_tuple(v.key_id, py::bytes(v.bytes));
          },
          py::arg("subject_ref"), py::arg("plaintext"),
          "SubjectDirectory::Seal: (key_id, sealed bytes).")
      .def(
          "unseal",
          [](PySubjectDirectory& d, const std::string& subject_ref, const std::string& key_id,
             const py::bytes& sealed) {
            SealedValue v;
            v.key_id = key_id;
            v.bytes = std::string(sealed);
            UnsealedValue u = d.Run("Unseal", [&](SubjectDirectory& dir) {
              return Unwrap(dir.Unseal(subject_ref, v));
            });
            py::dict out;
            out["erased"] = u.erased;
            out["plaintext"] = py::bytes(u.plaintext);
            return out;
          },
          py::arg("subject_ref"), py::arg("key_id"), py::arg("sealed"),
          "SubjectDirectory::Unseal as a dict (erased, plaintext bytes).")
      .def(
          "erase_subject",
          [](PySubjectDirectory& d, const std::string& subject_ref, const std::string& request_id,
             const py::bytes& event_id, py::object occur_time, std::optional<bool> sync) {
            const DirectoryWriteOptions o = WriteOptions(std::string(event_id), occur_time, sync);
            ErasureResult r = d.Run("EraseSubject", [&](SubjectDirectory& dir) {
              return Unwrap(dir.EraseSubject(subject_ref, request_id, o));
            });
            py::dict out;
            out["subject_ref"] = r.subject_ref;
            out["key_id"] = r.key_id;
            out["position"] = r.position;
            out["already_erased"] = r.already_erased;
            return out;
          },
          py::arg("subject_ref"), py::arg("request_id") = "", py::arg("event_id") = py::bytes(),
          py::arg("occur_time") = py::none(), py::arg("sync") = py::none(),
          "SubjectDirectory::EraseSubject as a dict (subject_ref, key_id, position, "
          "already_erased).")
      .def(
          "is_erased",
          [](PySubjectDirectory& d, const std::string& subject_ref) {
            return d.Run("IsErased", [&](SubjectDirectory& dir) {
              return Unwrap(dir.IsErased(subject_ref));
            });
          },
          py::arg("subject_ref"), "SubjectDirectory::IsErased.");
}

}  // namespace consent::python
