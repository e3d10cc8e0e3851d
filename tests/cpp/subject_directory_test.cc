// SPDX-License-Identifier: Apache-2.0
// SubjectDirectory: sealed identities, the master key, and crypto-shredding checked on the raw
// files of the store.
#include <doctest/doctest.h>
#include <rocksdb/db.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "consent/event_store.h"
#include "consent/subject_directory.h"
#include "crypto/aead.h"
#include "crypto/subject_directory_testing.h"
#include "storage/secrets.h"
#include "store_test_helpers.h"
#include "test_util.h"

namespace consent::testing {
namespace {

const Identity kJeanne{"+33 6 12 34 56 78", "Jeanne Quibblewick-Zanzibar", "prefers mornings; XYZZY-NOTE-7731"};
const Identity kPaul{"+33 7 98 76 54 32", "Paul Fennimore-Oddleigh", ""};

std::unique_ptr<SubjectDirectory> OpenDirectory(EventStore* store, const MasterKey& key) {
  auto d = SubjectDirectory::Open(store, key);
  REQUIRE_MESSAGE(d.ok(), d.status().ToString());
  return std::move(d).value();
}

std::string ReadWholeFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Names of the files under `dir` (recursively) whose bytes contain `needle`.
std::vector<std::string> FilesContaining(const std::string& dir, std::string_view needle) {
  REQUIRE(!needle.empty());
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    if (ReadWholeFile(entry.path()).find(needle) != std::string::npos) {
      out.push_back(entry.path().filename().string());
    }
  }
  return out;
}

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

std::string KeyRowName(const std::string& ref) { return std::string("key") + '\0' + ref; }

// The wrapped key row of `ref`, and the raw subject key unwrapped from it.
struct KeyMaterial {
  std::string wrapped;
  std::string raw;
};
KeyMaterial ReadKeyMaterial(const EventStore& store, const MasterKey& master, const std::string& ref) {
  auto row = internal::GetSecret(store, KeyRowName(ref));
  REQUIRE_MESSAGE(row.ok(), row.status().ToString());
  REQUIRE(row->has_value());
  KeyMaterial m;
  m.wrapped = **row;
  const std::string key_id = m.wrapped.substr(1, 32);
  std::string ad = KeyRowName(ref) + '\0' + key_id;
  REQUIRE(internal::AeadOpen(master.data(), std::string_view(m.wrapped).substr(33), ad, &m.raw));
  REQUIRE(m.raw.size() == 32);
  return m;
}

TEST_CASE("SealIdentity then Lookup returns the identity, also after reopening with the same master key") {
  TempDir dir;
  const MasterKey master = MasterKey::Generate();
  SealResult first;
  {
    auto store = OpenStore(dir.path());
    auto d = OpenDirectory(store.get(), master);
    auto r = d->SealIdentity("caller-8f2c", v1::PARTY_CALLER, kJeanne);
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    CHECK(r->key_created);
    CHECK(r->key_id.size() == 32);
    CHECK(r->position == 1);
    first = *r;
    auto again = d->SealIdentity("caller-8f2c", v1::PARTY_CALLER, kPaul);
    REQUIRE_MESSAGE(again.ok(), again.status().ToString());
    CHECK_FALSE(again->key_created);
    CHECK(again->key_id == first.key_id);

    // The event in the log carries ciphertext only.
    auto events = ReadStreamOrDie(*store, "subject-caller-8f2c");
    REQUIRE(events.size() == 2);
    const auto& sealed = events[0].subject_identity_sealed();
    CHECK(sealed.subject_ref() == "caller-8f2c");
    CHECK(sealed.key_id() == first.key_id);
    CHECK(sealed.cipher() == "xchacha20poly1305-ietf");
    CHECK(events[0].SerializeAsString().find(kJeanne.name) == std::string::npos);
    CHECK(events[0].SerializeAsString().find(kJeanne.phone_number) == std::string::npos);
  }
  auto store = OpenStore(dir.path());
  auto d = OpenDirectory(store.get(), master);
  auto rec = d->Lookup("caller-8f2c");
  REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
  CHECK_FALSE(rec->erased);
  REQUIRE(rec->identity.has_value());
  CHECK(*rec->identity == kPaul);  // the latest seal wins
  CHECK(rec->kind == v1::PARTY_CALLER);
  CHECK(rec->key_id == first.key_id);
  CHECK(rec->sealed_position == 2);
  CHECK(rec->erased_position == 0);
  CHECK_FALSE(*d->IsErased("caller-8f2c"));
}

TEST_CASE("A store's directory refuses another master key with kUnauthenticated") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  const MasterKey right = MasterKey::Generate();
  {
    auto d = OpenDirectory(store.get(), right);
    CONSENT_REQUIRE_OK(d->SealIdentity("agent-7", v1::PARTY_AGENT, kPaul));
  }
  auto wrong = SubjectDirectory::Open(store.get(), MasterKey::Generate());
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.status().code() == StatusCode::kUnauthenticated);
  CHECK(wrong.status().message().find("wrong master key") != std::string::npos);
  // The right key still works.
  auto d = OpenDirectory(store.get(), right);
  auto rec = d->Lookup("agent-7");
  REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
  CHECK(*rec->identity == kPaul);
}

void WriteKeyFile(const std::string& path, const std::string& content, mode_t mode) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
  }
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

TEST_CASE("A master key used only by refused calls binds nothing; the first subject key binds the store") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  const MasterKey typo = MasterKey::Generate();
  const MasterKey real = MasterKey::Generate();
  {
    auto d = OpenDirectory(store.get(), typo);
    CHECK(d->EraseSubject("caller-1").status().code() == StatusCode::kNotFound);
    CHECK(d->Lookup("caller-1").status().code() == StatusCode::kNotFound);
    CHECK(d->SealIdentity("caller-1", v1::PARTY_CALLER, Identity{}).status().code() ==
          StatusCode::kInvalidArgument);
  }
  {
    auto d = OpenDirectory(store.get(), real);  // not refused: the typo bound nothing
    CONSENT_REQUIRE_OK(d->Seal("caller-1", "x"));
  }
  CHECK(SubjectDirectory::Open(store.get(), typo).status().code() == StatusCode::kUnauthenticated);
  CONSENT_CHECK_OK(SubjectDirectory::Open(store.get(), real));
}

TEST_CASE("MasterKey reads 64 hex characters from a file or the environment and refuses anything else") {
  TempDir dir;
  const MasterKey key = MasterKey::Generate();
  const std::string hex = key.ToHex();
  REQUIRE(hex.size() == 64);
  const std::string path = dir.sub("master.key");

  SUBCASE("file forms that are accepted") {
    for (const std::string& content : {hex, hex + "\n", hex + "\r\n"}) {
      WriteKeyFile(path, content, 0600);
      auto k = MasterKey::FromFile(path);
      REQUIRE_MESSAGE(k.ok(), k.status().ToString());
      CHECK(k->ToHex() == hex);
    }
    std::string upper = hex;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    WriteKeyFile(path, upper, 0400);
    auto k = MasterKey::FromFile(path);
    REQUIRE_MESSAGE(k.ok(), k.status().ToString());
    CHECK(k->ToHex() == hex);
  }
  SUBCASE("file forms that are refused, with a message that never echoes the content") {
    struct Case {
      std::string content;
      mode_t mode;
      StatusCode code;
      std::string says;
    };
    const std::vector<Case> cases = {
        {hex.substr(0, 63), 0600, StatusCode::kInvalidArgument, "found 63 characters"},
        {hex + "0", 0600, StatusCode::kInvalidArgument, "found 65 characters"},
        {hex + "\n\n", 0600, StatusCode::kInvalidArgument, "found 65 characters"},
        {" " + hex.substr(1), 0600, StatusCode::kInvalidArgument, "not a hexadecimal digit"},
        {hex.substr(0, 63) + "g", 0600, StatusCode::kInvalidArgument, "character 64"},
        {"", 0600, StatusCode::kInvalidArgument, "found 0 characters"},
        {std::string(1000, 'a'), 0600, StatusCode::kInvalidArgument, "longer than a key"},
        {hex, 0640, StatusCode::kFailedPrecondition, "chmod 600"},
        {hex, 0604, StatusCode::kFailedPrecondition, "mode 0604"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.says);
      WriteKeyFile(path, c.content, c.mode);
      auto k = MasterKey::FromFile(path);
      REQUIRE_FALSE(k.ok());
      CHECK(k.status().code() == c.code);
      CHECK(k.status().message().find(c.says) != std::string::npos);
      CHECK(k.status().message().find(path) != std::string::npos);
      CHECK(k.status().message().find(hex.substr(0, 16)) == std::string::npos);
    }
    auto missing = MasterKey::FromFile(dir.sub("nope.key"));
    CHECK(missing.status().code() == StatusCode::kNotFound);
  }
  SUBCASE("environment") {
    const char* var = "LIBCONSENT_TEST_MASTER_KEY_VAR";
    ::unsetenv(var);
    auto unset = MasterKey::FromEnvironment(var);
    CHECK(unset.status().code() == StatusCode::kNotFound);
    CHECK(unset.status().message().find(var) != std::string::npos);
    ::setenv(var, hex.c_str(), 1);
    auto k = MasterKey::FromEnvironment(var);
    REQUIRE_MESSAGE(k.ok(), k.status().ToString());
    CHECK(k->ToHex() == hex);
    ::setenv(var, hex.substr(2).c_str(), 1);
    auto short_key = MasterKey::FromEnvironment(var);
    CHECK(short_key.status().code() == StatusCode::kInvalidArgument);
    CHECK(short_key.status().message().find("found 62 characters") != std::string::npos);
    ::unsetenv(var);
  }
  SUBCASE("bytes") {
    CHECK(MasterKey::FromBytes(std::string(31, 'x')).status().code() == StatusCode::kInvalidArgument);
    auto k = MasterKey::FromBytes(std::string(32, '\x01'));
    REQUIRE(k.ok());
    std::string expected;
    for (int i = 0; i < 32; ++i) expected += "01";
    CHECK(k->ToHex() == expected);
  }
}

TEST_CASE("EraseSubject leaves no byte of the identity or its key on disk, and Verify still passes") {
  TempDir dir;
  const std::string path = dir.sub("store");
  const MasterKey master = MasterKey::Generate();
  KeyMaterial jeanne_key, paul_key;
  std::string sealed_ciphertext;
  SealedValue request_identity;
  {
    auto store = OpenStore(path);
    auto d = OpenDirectory(store.get(), master);
    CONSENT_REQUIRE_OK(d->SealIdentity("caller-jeanne", v1::PARTY_CALLER, kJeanne));
    CONSENT_REQUIRE_OK(d->SealIdentity("agent-paul", v1::PARTY_AGENT, kPaul));
    auto sv = d->Seal("caller-jeanne", "requester: Jeanne, 12 rue QWERTYPLAIN");
    REQUIRE_MESSAGE(sv.ok(), sv.status().ToString());
    request_identity = *sv;
    for (int i = 0; i < 50; ++i) CONSENT_REQUIRE_OK(store->Append("call-" + std::to_string(i), kAnyRevision, {MakeEvent()}));
    jeanne_key = ReadKeyMaterial(*store, master, "caller-jeanne");
    paul_key = ReadKeyMaterial(*store, master, "agent-paul");
    sealed_ciphertext = ReadStreamOrDie(*store, "subject-caller-jeanne")[0].subject_identity_sealed().sealed_identity();
    CONSENT_REQUIRE_OK(store->CompactAll());  // the key rows are in table files now
  }
  // Positive control: the grep finds what is there. The wrapped keys are on disk (in table files
  // after CompactAll); the plaintext and the raw keys never are, not even before erasure.
  CHECK_FALSE(FilesContaining(path, jeanne_key.wrapped).empty());
  CHECK_FALSE(FilesContaining(path, paul_key.wrapped).empty());
  for (std::string_view secret : {std::string_view(kJeanne.name), std::string_view(kJeanne.phone_number),
                                  std::string_view("XYZZY-NOTE-7731"), std::string_view("QWERTYPLAIN"),
                                  std::string_view(jeanne_key.raw)}) {
    CAPTURE(secret);
    CHECK(FilesContaining(path, secret).empty());
  }

  auto store = OpenStore(path);
  auto d = OpenDirectory(store.get(), master);
  // The reopened store wrote the wrapped key into no new file, but make sure the WAL of this
  // session holds key material too: a re-seal of Paul rewrites nothing of Jeanne; seal a third.
  CONSENT_REQUIRE_OK(d->SealIdentity("caller-late", v1::PARTY_CALLER, kPaul));
  // A subject whose key exists only in the write-ahead log and the memtable (never flushed).
  CONSENT_REQUIRE_OK(d->SealIdentity("caller-wal", v1::PARTY_CALLER, kJeanne));
  const KeyMaterial wal_key = ReadKeyMaterial(*store, master, "caller-wal");
  {
    const auto files = FilesContaining(path, wal_key.wrapped);
    REQUIRE_FALSE(files.empty());
    CHECK_MESSAGE(files.front().ends_with(".log"), "expected in the WAL, found in " << Join(files));
  }
  auto wal_erased = d->EraseSubject("caller-wal");
  REQUIRE_MESSAGE(wal_erased.ok(), wal_erased.status().ToString());
  {
    const auto files = FilesContaining(path, wal_key.wrapped);
    CHECK_MESSAGE(files.empty(), "WAL-only key still found in " << Join(files));
    CHECK(FilesContaining(path, wal_key.raw).empty());
  }
  const uint64_t head_before = store->HeadPosition();
  auto erased = d->EraseSubject("caller-jeanne", "dsr-17");
  REQUIRE_MESSAGE(erased.ok(), erased.status().ToString());
  CHECK(erased->position == head_before + 1);
  CHECK(erased->key_id == jeanne_key.wrapped.substr(1, 32));
  CHECK_FALSE(erased->already_erased);

  auto check_disk = [&](const char* when) {
    CAPTURE(when);
    for (std::string_view secret : {std::string_view(jeanne_key.wrapped), std::string_view(jeanne_key.raw),
                                    std::string_view(kJeanne.name), std::string_view(kJeanne.phone_number),
                                    std::string_view("XYZZY-NOTE-7731"), std::string_view("QWERTYPLAIN")}) {
      CAPTURE(secret.size());
      const auto files = FilesContaining(path, secret);
      CHECK_MESSAGE(files.empty(), "found in " << Join(files));
    }
    // Paul's key was not touched.
    CHECK_FALSE(FilesContaining(path, paul_key.wrapped).empty());
  };
  check_disk("store open");

  // Reads: the placeholder, the typed erased value, the log still verifies.
  auto rec = d->Lookup("caller-jeanne");
  REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
  CHECK(rec->erased);
  CHECK_FALSE(rec->identity.has_value());
  CHECK(rec->erased_position == erased->position);
  CHECK(rec->sealed_position == 1);
  CHECK(*d->IsErased("caller-jeanne"));
  auto unsealed = d->Unseal("caller-jeanne", request_identity);
  REQUIRE_MESSAGE(unsealed.ok(), unsealed.status().ToString());
  CHECK(unsealed->erased);
  CHECK(unsealed->plaintext.empty());
  auto paul = d->Lookup("agent-paul");
  REQUIRE_MESSAGE(paul.ok(), paul.status().ToString());
  CHECK(*paul->identity == kPaul);
  auto verify = store->Verify();
  REQUIRE_MESSAGE(verify.ok(), verify.status().ToString());
  CHECK(verify->events_checked == store->HeadPosition());
  // The ciphertext itself is still in the log, unchanged: the chain covers it.
  auto events = ReadStreamOrDie(*store, "subject-caller-jeanne");
  REQUIRE(events.size() == 2);
  CHECK(events[0].subject_identity_sealed().sealed_identity() == sealed_ciphertext);
  CHECK(events[1].subject_erased().subject_ref() == "caller-jeanne");
  CHECK(events[1].subject_erased().key_id() == erased->key_id);
  CHECK(events[1].subject_erased().request_id() == "dsr-17");
  // No new identity for an erased ref.
  auto again = d->SealIdentity("caller-jeanne", v1::PARTY_CALLER, kJeanne);
  CHECK(again.status().code() == StatusCode::kFailedPrecondition);

  d.reset();
  store.reset();
  check_disk("store closed");
  auto reopened = OpenStore(path);
  auto d2 = OpenDirectory(reopened.get(), master);
  auto rec2 = d2->Lookup("caller-jeanne");
  REQUIRE_MESSAGE(rec2.ok(), rec2.status().ToString());
  CHECK(rec2->erased);
  CONSENT_CHECK_OK(reopened->Verify());
}

TEST_CASE("Erasing an erased subject returns the first erasure's result and appends nothing") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto d = OpenDirectory(store.get(), MasterKey::Generate());
  CONSENT_REQUIRE_OK(d->SealIdentity("caller-1", v1::PARTY_CALLER, kJeanne));
  auto first = d->EraseSubject("caller-1", "req-1");
  REQUIRE_MESSAGE(first.ok(), first.status().ToString());
  const StoreSnapshot before = TakeSnapshot(*store);
  auto second = d->EraseSubject("caller-1", "req-2");
  REQUIRE_MESSAGE(second.ok(), second.status().ToString());
  CHECK(second->already_erased);
  CHECK(second->position == first->position);
  CHECK(second->key_id == first->key_id);
  CHECK(TakeSnapshot(*store) == before);
}

TEST_CASE("Seal and Unseal round trip, tampered or misplaced values are kDataLoss, erased ones give the placeholder") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto d = OpenDirectory(store.get(), MasterKey::Generate());
  auto v = d->Seal("caller-9", "Jeanne, 06 12 34 56 78");
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  CHECK(store->HeadPosition() == 0);  // Seal writes a key, no event
  auto u = d->Unseal("caller-9", *v);
  REQUIRE_MESSAGE(u.ok(), u.status().ToString());
  CHECK_FALSE(u->erased);
  CHECK(u->plaintext == "Jeanne, 06 12 34 56 78");
  // The key made by Seal() is the one SealIdentity uses.
  auto s = d->SealIdentity("caller-9", v1::PARTY_CALLER, kJeanne);
  REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  CHECK_FALSE(s->key_created);
  CHECK(s->key_id == v->key_id);

  SealedValue tampered = *v;
  tampered.bytes[30] = static_cast<char>(tampered.bytes[30] ^ 1);
  CHECK(d->Unseal("caller-9", tampered).status().code() == StatusCode::kDataLoss);
  auto other = d->Seal("caller-10", "x");
  REQUIRE(other.ok());
  SealedValue moved = *v;
  moved.key_id = other->key_id;  // another subject's value presented as caller-10's
  CHECK(d->Unseal("caller-10", moved).status().code() == StatusCode::kDataLoss);
  SealedValue wrong_id = *v;
  wrong_id.key_id = std::string(32, 'a');
  CHECK(d->Unseal("caller-9", wrong_id).status().code() == StatusCode::kDataLoss);

  CONSENT_REQUIRE_OK(d->EraseSubject("caller-9"));
  auto after = d->Unseal("caller-9", *v);
  REQUIRE_MESSAGE(after.ok(), after.status().ToString());
  CHECK(after->erased);
  CHECK(d->Seal("caller-9", "more").status().code() == StatusCode::kFailedPrecondition);
  // A subject erased after Seal() alone (no identity event) is erased too.
  CONSENT_REQUIRE_OK(d->EraseSubject("caller-10"));
  auto rec = d->Lookup("caller-10");
  REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
  CHECK(rec->erased);
}

TEST_CASE("Bad input to the directory is refused with a precise error and changes nothing") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto d = OpenDirectory(store.get(), MasterKey::Generate());
  CONSENT_REQUIRE_OK(d->SealIdentity("caller-ok", v1::PARTY_CALLER, kJeanne));
  const StoreSnapshot before = TakeSnapshot(*store);
  auto key_row_before = internal::GetSecret(*store, KeyRowName("caller-ok"));
  REQUIRE(key_row_before.ok());

  struct Case {
    const char* what;
    std::string ref;
    v1::Party kind;
    Identity identity;
    std::string event_id;
    StatusCode code;
    std::string field;
  };
  const Identity ok = kPaul;
  Identity long_phone = ok;
  long_phone.phone_number = std::string(33, '1');
  Identity letters_phone = ok;
  letters_phone.phone_number = "call me maybe";
  Identity long_name = ok;
  long_name.name = std::string(257, 'n');
  Identity bad_utf8 = ok;
  bad_utf8.name = "Jos\xE9";
  Identity control = ok;
  control.name = "Jo\nse";
  Identity long_note = ok;
  long_note.note = std::string(1001, 'x');
  const std::vector<Case> cases = {
      {"empty ref", "", v1::PARTY_CALLER, ok, "", StatusCode::kInvalidArgument, "subject_ref"},
      {"ref with a space", "caller 1", v1::PARTY_CALLER, ok, "", StatusCode::kInvalidArgument, "subject_ref"},
      {"ref with a slash", "caller/1", v1::PARTY_CALLER, ok, "", StatusCode::kInvalidArgument, "subject_ref"},
      {"ref with a NUL", std::string("caller\0x", 8), v1::PARTY_CALLER, ok, "", StatusCode::kInvalidArgument, "subject_ref"},
      {"ref of 129 bytes", std::string(129, 'r'), v1::PARTY_CALLER, ok, "", StatusCode::kInvalidArgument, "subject_ref"},
      {"unspecified kind", "caller-2", v1::PARTY_UNSPECIFIED, ok, "", StatusCode::kInvalidArgument, "subject_kind"},
      {"empty identity", "caller-2", v1::PARTY_CALLER, Identity{}, "", StatusCode::kInvalidArgument, "identity"},
      {"phone of 33 bytes", "caller-2", v1::PARTY_CALLER, long_phone, "", StatusCode::kInvalidArgument, "identity.phone_number"},
      {"phone with letters", "caller-2", v1::PARTY_CALLER, letters_phone, "", StatusCode::kInvalidArgument, "identity.phone_number"},
      {"name of 257 bytes", "caller-2", v1::PARTY_CALLER, long_name, "", StatusCode::kInvalidArgument, "identity.name"},
      {"name not UTF-8", "caller-2", v1::PARTY_CALLER, bad_utf8, "", StatusCode::kInvalidArgument, "identity.name"},
      {"name with a newline", "caller-2", v1::PARTY_CALLER, control, "", StatusCode::kInvalidArgument, "identity.name"},
      {"note of 1001 bytes", "caller-2", v1::PARTY_CALLER, long_note, "", StatusCode::kInvalidArgument, "identity.note"},
      {"event id of 3 bytes", "caller-2", v1::PARTY_CALLER, ok, "abc", StatusCode::kInvalidArgument, "event_id"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    DirectoryWriteOptions o;
    o.event_id = c.event_id;
    auto r = d->SealIdentity(c.ref, c.kind, c.identity, o);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == c.code);
    CHECK(r.status().context().field == c.field);
    CHECK(r.status().message().rfind("SealIdentity(subject ", 0) == 0);
  }
  // Erase: bad ref, bad request id, unknown subject.
  auto e1 = d->EraseSubject("bad ref");
  CHECK(e1.status().code() == StatusCode::kInvalidArgument);
  auto e2 = d->EraseSubject("caller-ok", "req id with spaces");
  CHECK(e2.status().code() == StatusCode::kInvalidArgument);
  CHECK(e2.status().context().field == "request_id");
  auto e3 = d->EraseSubject("caller-unknown", "req-1");
  CHECK(e3.status().code() == StatusCode::kNotFound);
  CHECK(e3.status().message().find("unknown subject") != std::string::npos);
  CHECK(d->Lookup("caller-unknown").status().code() == StatusCode::kNotFound);
  CHECK(d->Unseal("caller-unknown", SealedValue{}).status().code() == StatusCode::kNotFound);
  CHECK(d->Seal("caller-ok", std::string(64 * 1024 + 1, 'x')).status().code() == StatusCode::kInvalidArgument);
  // A reused event id for another fact.
  DirectoryWriteOptions reuse;
  reuse.event_id = ReadAllOrDie(*store)[0].event_id();
  auto e4 = d->SealIdentity("caller-ok", v1::PARTY_CALLER, kPaul, reuse);
  CHECK(e4.status().code() == StatusCode::kAlreadyExists);

  CHECK(TakeSnapshot(*store) == before);
  auto key_row_after = internal::GetSecret(*store, KeyRowName("caller-ok"));
  REQUIRE(key_row_after.ok());
  CHECK(*key_row_after == *key_row_before);
  CHECK_FALSE(internal::GetSecret(*store, KeyRowName("caller-2"))->has_value());
  CHECK_FALSE(*d->IsErased("caller-ok"));
}

TEST_CASE("A retried SealIdentity with the same event id returns the first result and writes nothing") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto d = OpenDirectory(store.get(), MasterKey::Generate());
  DirectoryWriteOptions o;
  o.event_id = NewEventId();
  auto first = d->SealIdentity("caller-r", v1::PARTY_CALLER, kJeanne, o);
  REQUIRE_MESSAGE(first.ok(), first.status().ToString());
  auto second = d->SealIdentity("caller-r", v1::PARTY_CALLER, kJeanne, o);
  REQUIRE_MESSAGE(second.ok(), second.status().ToString());
  CHECK(second->deduplicated);
  CHECK(second->position == first->position);
  CHECK(store->HeadPosition() == 1);
  auto other = d->SealIdentity("caller-r", v1::PARTY_CALLER, kPaul, o);
  CHECK(other.status().code() == StatusCode::kAlreadyExists);
}

TEST_CASE("Secret writes land in the same batch as their events: a failed append applies none") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CONSENT_REQUIRE_OK(store->Append("subject-x", kNoStream, {MakeEvent()}));
  // Stale expected revision: the append fails, the secret must not be written.
  std::vector<StreamAppend> stale{{"subject-x", kNoStream, {MakeEvent()}}};
  auto r = internal::AppendWithSecrets(*store, std::move(stale), {{"probe", std::string("v1")}});
  CHECK(r.status().code() == StatusCode::kAborted);
  CHECK_FALSE(internal::GetSecret(*store, "probe")->has_value());
  // Invalid event: same.
  Event bad = MakeEvent();
  bad.clear_occur_time();
  std::vector<StreamAppend> invalid{{"subject-x", kAnyRevision, {bad}}};
  r = internal::AppendWithSecrets(*store, std::move(invalid), {{"probe", std::string("v1")}});
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  CHECK_FALSE(internal::GetSecret(*store, "probe")->has_value());
  // Success: both.
  Event good = MakeEvent();
  const std::string id = good.event_id();
  std::vector<StreamAppend> ok{{"subject-x", 0, {good}}};
  r = internal::AppendWithSecrets(*store, std::move(ok), {{"probe", std::string("v1")}});
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(**internal::GetSecret(*store, "probe") == "v1");
  // A retry of stored events (deduplicated) applies no secret write.
  std::vector<StreamAppend> retry{{"subject-x", 0, {good}}};
  r = internal::AppendWithSecrets(*store, std::move(retry), {{"probe", std::nullopt}});
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->deduplicated);
  CHECK(**internal::GetSecret(*store, "probe") == "v1");
}

// Child of the crash test: seals and erases subjects until killed, with sync=true.
[[noreturn]] void RunEraser(const std::string& path, const std::string& master_hex, int round) {
  StoreOptions options;
  options.sync = true;
  auto store = EventStore::Open(options, path);
  if (!store.ok()) _exit(3);
  auto key = MasterKey::FromHex(master_hex);
  if (!key.ok()) _exit(3);
  auto d = SubjectDirectory::Open(store->get(), *key);
  if (!d.ok()) _exit(3);
  for (int i = 0;; ++i) {
    const std::string ref = "r" + std::to_string(round) + "-s" + std::to_string(i);
    if (!(*d)->SealIdentity(ref, v1::PARTY_CALLER, kJeanne).ok()) _exit(4);
    if (i % 2 == 0 && !(*d)->EraseSubject(ref).ok()) _exit(5);
  }
}

TEST_CASE("SIGKILL during erasures never separates a destroyed key from its SubjectErased event") {
  TempDir dir;
  const std::string path = dir.sub("store");
  const MasterKey master = MasterKey::Generate();
  {
    auto store = OpenStore(path);
    auto d = OpenDirectory(store.get(), master);
  }
  std::mt19937 rng(std::random_device{}());
  int erased_total = 0;
  for (int round = 0; round < 6; ++round) {
    std::fflush(nullptr);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) RunEraser(path, master.ToHex(), round);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<>(80, 250)(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK_MESSAGE(WIFSIGNALED(status), "child exited early with " << WEXITSTATUS(status));

    auto store = OpenStore(path);
    CONSENT_REQUIRE_OK(store->Verify());
    auto d = OpenDirectory(store.get(), master);
    std::set<std::string> refs;
    for (const Event& e : ReadAllOrDie(*store)) {
      if (e.has_subject_identity_sealed()) refs.insert(e.subject_identity_sealed().subject_ref());
    }
    for (const Event& e : ReadAllOrDie(*store)) {
      if (e.has_subject_erased()) ++erased_total;
    }
    for (const std::string& ref : refs) {
      CAPTURE(ref);
      bool event = false;
      for (const Event& e : ReadStreamOrDie(*store, "subject-" + ref)) event = event || e.has_subject_erased();
      const bool key_present = internal::GetSecret(*store, KeyRowName(ref))->has_value();
      const bool tombstone = *d->IsErased(ref);
      CHECK(event != key_present);
      CHECK(event == tombstone);
      auto rec = d->Lookup(ref);
      REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
      CHECK(rec->erased == event);
      if (!event) CHECK(*rec->identity == kJeanne);
    }
  }
  CHECK(erased_total > 0);
}

// Child of the test below: erases `ref` and dies right after the erasure's commit, before the
// scrub, as a SIGKILL at that moment would leave it.
[[noreturn]] void EraseAndDieBeforeScrub(const std::string& path, const std::string& master_hex,
                                         const std::string& ref) {
  auto store = EventStore::Open(StoreOptions{}, path);
  if (!store.ok()) _exit(3);
  auto key = MasterKey::FromHex(master_hex);
  if (!key.ok()) _exit(3);
  auto d = SubjectDirectory::Open(store->get(), *key);
  if (!d.ok()) _exit(3);
  internal::SetEraseCommittedHookForTesting([] { _exit(0); });
  (void)(*d)->EraseSubject(ref, "dsr-crash");
  _exit(4);  // the hook did not run
}

TEST_CASE("An erasure killed between its commit and its scrub is finished when the directory is "
          "next opened: the wrapped key leaves every store file") {
  TempDir dir;
  const std::string path = dir.sub("store");
  const MasterKey master = MasterKey::Generate();
  KeyMaterial jeanne_key, paul_key;
  {
    auto store = OpenStore(path);
    auto d = OpenDirectory(store.get(), master);
    CONSENT_REQUIRE_OK(d->SealIdentity("caller-jeanne", v1::PARTY_CALLER, kJeanne));
    CONSENT_REQUIRE_OK(d->SealIdentity("agent-paul", v1::PARTY_AGENT, kPaul));
    jeanne_key = ReadKeyMaterial(*store, master, "caller-jeanne");
    paul_key = ReadKeyMaterial(*store, master, "agent-paul");
    CONSENT_REQUIRE_OK(store->CompactAll());  // the key rows are in table files now
  }
  std::fflush(nullptr);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) EraseAndDieBeforeScrub(path, master.ToHex(), "caller-jeanne");
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE_MESSAGE((WIFEXITED(status) && WEXITSTATUS(status) == 0),
                  "child did not stop after the commit: status " << status);

  auto store = OpenStore(path);
  // The erasure is committed, and the kill left the wrapped key on disk (the store alone does
  // not scrub it).
  CHECK_FALSE(internal::GetSecret(*store, KeyRowName("caller-jeanne"))->has_value());
  REQUIRE_FALSE(FilesContaining(path, jeanne_key.wrapped).empty());

  auto d = OpenDirectory(store.get(), master);
  CHECK_MESSAGE(FilesContaining(path, jeanne_key.wrapped).empty(),
                "still in " << Join(FilesContaining(path, jeanne_key.wrapped)));
  CHECK(FilesContaining(path, jeanne_key.raw).empty());
  CHECK_FALSE(FilesContaining(path, paul_key.wrapped).empty());
  auto pending = internal::ListSecretKeys(*store, std::string_view("scrub\0", 6));
  REQUIRE_MESSAGE(pending.ok(), pending.status().ToString());
  CHECK(pending->empty());
  auto rec = d->Lookup("caller-jeanne");
  REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
  CHECK(rec->erased);
  CHECK(*d->Lookup("agent-paul")->identity == kPaul);
  CONSENT_CHECK_OK(store->Verify());
}

TEST_CASE("A completed erasure leaves no pending scrub behind") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto d = OpenDirectory(store.get(), MasterKey::Generate());
  CONSENT_REQUIRE_OK(d->SealIdentity("caller-1", v1::PARTY_CALLER, kPaul));
  CONSENT_REQUIRE_OK(d->EraseSubject("caller-1"));
  auto pending = internal::ListSecretKeys(*store, std::string_view("scrub\0", 6));
  REQUIRE_MESSAGE(pending.ok(), pending.status().ToString());
  CHECK(pending->empty());
}

TEST_CASE("Concurrent sealing of many subjects while another thread erases keeps every subject consistent") {
  TempDir dir;
  StoreOptions so;
  so.sync = false;
  auto store = OpenStore(dir.path(), so);
  auto d = OpenDirectory(store.get(), MasterKey::Generate());
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  for (int i = 0; i < 10; ++i) {
    CONSENT_REQUIRE_OK(d->SealIdentity("victim-" + std::to_string(i), v1::PARTY_CALLER, kJeanne));
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string ref = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (!d->SealIdentity(ref, v1::PARTY_AGENT, kPaul).ok()) ++failures;
        auto rec = d->Lookup(ref);
        if (!rec.ok() || !rec->identity || !(*rec->identity == kPaul)) ++failures;
        // Also race on the victims' reads.
        auto v = d->Lookup("victim-" + std::to_string(i % 10));
        if (!v.ok()) ++failures;
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 10; ++i) {
      if (!d->EraseSubject("victim-" + std::to_string(i)).ok()) ++failures;
    }
  });
  for (auto& th : threads) th.join();
  CHECK(failures.load() == 0);
  for (int i = 0; i < 10; ++i) CHECK(*d->IsErased("victim-" + std::to_string(i)));
  CHECK(store->HeadPosition() == 10 + kThreads * kPerThread + 10);
  CONSENT_CHECK_OK(store->Verify());
}

TEST_CASE("A store without the keys column family opens unchanged and gains it on first directory use") {
  TempDir dir;
  const std::string path = dir.sub("store");
  {
    auto store = OpenStore(path);
    CONSENT_REQUIRE_OK(store->Append("call-1", kNoStream, {MakeEvent()}));
  }
  auto families = [&] {
    std::vector<std::string> names;
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    return std::set<std::string>(names.begin(), names.end());
  };
  CHECK(families().count("keys") == 0);
  {
    auto store = OpenStore(path);  // a plain reopen adds nothing
  }
  CHECK(families().count("keys") == 0);
  {
    auto store = OpenStore(path);
    auto d = OpenDirectory(store.get(), MasterKey::Generate());  // opening writes nothing
    CHECK(d->EraseSubject("caller-1").status().code() == StatusCode::kNotFound);
  }
  CHECK(families().count("keys") == 0);
  {
    auto store = OpenStore(path);
    auto d = OpenDirectory(store.get(), MasterKey::Generate());
    CONSENT_REQUIRE_OK(d->SealIdentity("caller-1", v1::PARTY_CALLER, kPaul));
  }
  CHECK(families().count("keys") == 1);
  auto store = OpenStore(path);
  CONSENT_CHECK_OK(store->Verify());
  CHECK(store->HeadPosition() == 2);  // the note and the sealed identity
}

}  // namespace
}  // namespace consent::testing
