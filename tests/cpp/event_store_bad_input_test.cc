// SPDX-License-Identifier: Apache-2.0
// Malformed appends: each is rejected with its own code and context, and leaves the store exactly
// as it was.
#include <doctest/doctest.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/timestamp.pb.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "consent/event_store.h"
#include "consent/ledger.h"
#include "store_test_helpers.h"
#include "test_util.h"

namespace consent::testing {
namespace {

using Mutation = std::function<void(std::vector<Event>&)>;

// One malformed Append: the target, the expected revision, how the three valid events are
// spoiled, and what the store must answer.
struct BadAppend {
  const char* name = "";
  std::string stream = "call-1";
  int64_t expected_revision = kAnyRevision;
  Mutation mutate = [](std::vector<Event>&) {};
  StatusCode code = StatusCode::kInvalidArgument;
  std::optional<uint64_t> index;  // expected context().index, when documented
  std::string field;              // expected context().field prefix, when documented

  BadAppend& Stream(std::string s) {
    stream = std::move(s);
    return *this;
  }
  BadAppend& ExpectedRevision(int64_t r) {
    expected_revision = r;
    return *this;
  }
  BadAppend& Mutate(Mutation m) {
    mutate = std::move(m);
    return *this;
  }
  BadAppend& Code(StatusCode c) {
    code = c;
    return *this;
  }
  BadAppend& Index(uint64_t i) {
    index = i;
    return *this;
  }
  BadAppend& Field(std::string f) {
    field = std::move(f);
    return *this;
  }
};

BadAppend Case(const char* name) {
  BadAppend c;
  c.name = name;
  return c;
}

constexpr const char* kInvalidUtf8 = "bad \xC3\x28 utf8";

Mutation OnSecond(std::function<void(Event&)> f) {
  return [f](std::vector<Event>& events) { f(events[1]); };
}

// Event with an unknown field number 50 (varint 1) appended to its wire form.
void AddUnknownField(Event& e) {
  std::string wire = e.SerializeAsString();
  wire += std::string("\x90\x03\x01", 3);
  Event parsed;
  REQUIRE(parsed.ParseFromString(wire));
  REQUIRE_FALSE(parsed.GetReflection()->GetUnknownFields(parsed).empty());
  e = parsed;
}

using google::protobuf::FieldDescriptor;

// The first payload member (a field of the `payload` oneof) whose message has a singular field
// accepted by `pred`, and that field. Found through descriptors so the table follows the schema.
std::optional<std::pair<const FieldDescriptor*, const FieldDescriptor*>> FindPayloadField(
    const std::function<bool(const FieldDescriptor*)>& pred) {
  const auto* oneof = Event::descriptor()->FindOneofByName("payload");
  REQUIRE(oneof != nullptr);
  for (int i = 0; i < oneof->field_count(); ++i) {
    const FieldDescriptor* member = oneof->field(i);
    const auto* type = member->message_type();
    for (int j = 0; j < type->field_count(); ++j) {
      if (!type->field(j)->is_repeated() && pred(type->field(j))) {
        return std::make_pair(member, type->field(j));
      }
    }
  }
  return std::nullopt;
}

// Replaces the event's payload by `member` and returns the payload message.
google::protobuf::Message* SetPayload(Event& e, const FieldDescriptor* member) {
  return e.GetReflection()->MutableMessage(&e, member);
}

std::vector<BadAppend> BadAppends(const Event& stored) {
  std::vector<BadAppend> t;
  // Stream names.
  t.push_back(Case("empty stream name").Stream(""));
  t.push_back(Case("'$'-prefixed stream").Stream("$all"));
  t.push_back(Case("'$' alone").Stream("$"));
  t.push_back(Case("stream with NUL").Stream(std::string("call-\0x", 7)));
  t.push_back(Case("invalid UTF-8 stream").Stream("call-\xFF\xFE"));
  t.push_back(Case("truncated UTF-8 stream").Stream("call-\xC3"));
  t.push_back(Case("overlong UTF-8 stream").Stream("call-\xC0\xAF"));
  t.push_back(Case("stream with newline").Stream("call-\n1"));
  t.push_back(Case("stream with tab").Stream("call-\t1"));
  t.push_back(Case("stream with DEL").Stream("call-\x7F"));
  t.push_back(Case("stream of 513 bytes").Stream("call-" + std::string(508, 'x')));

  // Event ids.
  t.push_back(Case("event id of 15 bytes")
                  .Mutate(OnSecond([](Event& e) { e.set_event_id(std::string(15, '\x01')); }))
                  .Index(1)
                  .Field("event_id"));
  t.push_back(Case("event id of 17 bytes")
                  .Mutate(OnSecond([](Event& e) { e.set_event_id(NewEventId() + "x"); }))
                  .Index(1)
                  .Field("event_id"));
  t.push_back(Case("empty event id")
                  .Mutate(OnSecond([](Event& e) { e.clear_event_id(); }))
                  .Index(1)
                  .Field("event_id"));
  t.push_back(Case("all-zero event id")
                  .Mutate(OnSecond([](Event& e) { e.set_event_id(std::string(16, '\0')); }))
                  .Index(1)
                  .Field("event_id"));
  t.push_back(Case("duplicate id within one append")
                  .Mutate([](std::vector<Event>& ev) { ev[2].set_event_id(ev[0].event_id()); })
                  .Index(2)
                  .Field("event_id"));
  t.push_back(Case("the same event twice in one append")
                  .Mutate([](std::vector<Event>& ev) { ev[2] = ev[1]; })
                  .Index(2)
                  .Field("event_id"));

  // Times.
  t.push_back(Case("missing occur_time")
                  .Mutate(OnSecond([](Event& e) { e.clear_occur_time(); }))
                  .Index(1)
                  .Field("occur_time"));
  t.push_back(Case("occur_time nanos of one second")
                  .Mutate(OnSecond([](Event& e) { e.mutable_occur_time()->set_nanos(1000000000); }))
                  .Index(1)
                  .Field("occur_time"));
  t.push_back(Case("negative occur_time nanos")
                  .Mutate(OnSecond([](Event& e) { e.mutable_occur_time()->set_nanos(-1); }))
                  .Index(1)
                  .Field("occur_time"));
  t.push_back(
      Case("occur_time on 2200-01-01, the first refused second")
          .Mutate(OnSecond([](Event& e) { e.mutable_occur_time()->set_seconds(kEndTimeSeconds); }))
          .Index(1)
          .Field("occur_time"));
  t.push_back(Case("occur_time before 1970")
                  .Mutate(OnSecond([](Event& e) { e.mutable_occur_time()->set_seconds(-1); }))
                  .Index(1)
                  .Field("occur_time"));
  t.push_back(Case("a payload time in year 2300")
                  .Mutate(OnSecond([](Event& e) {
                    e.mutable_notice_given()->set_call_id("c-1");
                    e.mutable_notice_given()->mutable_start_time()->set_seconds(10413792000);
                  }))
                  .Index(1)
                  .Field("notice_given.start_time"));

  // Size limits.
  t.push_back(Case("a 10 MB correlation id")
                  .Mutate(OnSecond([](Event& e) { e.set_correlation_id(std::string(10 << 20, 'c')); }))
                  .Index(1)
                  .Field("correlation_id"));
  t.push_back(Case("an actor reference one byte over the id limit")
                  .Mutate(OnSecond([](Event& e) {
                    e.mutable_actor()->set_principal_ref(std::string(kMaxIdBytes + 1, 'a'));
                  }))
                  .Index(1)
                  .Field("actor.principal_ref"));
  t.push_back(Case("a payload id one byte over the id limit")
                  .Mutate(OnSecond([](Event& e) {
                    e.mutable_notice_given()->set_call_id(std::string(kMaxIdBytes + 1, 'c'));
                  }))
                  .Index(1)
                  .Field("notice_given.call_id"));
  t.push_back(Case("a payload text one byte over the text limit")
                  .Mutate(OnSecond([](Event& e) {
                    e.mutable_annotation_added()->set_text(std::string(kMaxTextBytes + 1, 't'));
                  }))
                  .Index(1)
                  .Field("annotation_added.text"));
  t.push_back(Case("an event over the event size limit")
                  .Mutate(OnSecond([](Event& e) {
                    for (size_t n = 0; n <= kMaxEventBytes / kMaxTextBytes; ++n) {
                      e.mutable_annotation_added()->add_tags(std::string(kMaxTextBytes, 'g'));
                    }
                  }))
                  .Index(1)
                  .Field("(event)"));

  // Payload.
  t.push_back(Case("missing payload")
                  .Mutate(OnSecond([](Event& e) { e.clear_payload(); }))
                  .Index(1)
                  .Field("payload"));

  // Store-assigned fields.
  t.push_back(Case("stream_id set to another stream")
                  .Mutate(OnSecond([](Event& e) { e.set_stream_id("call-2"); }))
                  .Index(1)
                  .Field("stream_id"));
  t.push_back(Case("position set")
                  .Mutate(OnSecond([](Event& e) { e.set_position(7); }))
                  .Index(1)
                  .Field("position"));
  t.push_back(Case("stream_revision set")
                  .Mutate(OnSecond([](Event& e) { e.set_stream_revision(3); }))
                  .Index(1)
                  .Field("stream_revision"));
  t.push_back(Case("record_time set")
                  .Mutate(OnSecond([](Event& e) { e.mutable_record_time()->set_seconds(1); }))
                  .Index(1)
                  .Field("record_time"));

  // Strings and unknown fields.
  t.push_back(
      Case("invalid UTF-8 inside a payload string")
          .Mutate(OnSecond([](Event& e) { e.mutable_annotation_added()->set_text(kInvalidUtf8); }))
          .Index(1)
          .Field("annotation_added"));
  t.push_back(
      Case("invalid UTF-8 inside a repeated payload string")
          .Mutate(OnSecond([](Event& e) { e.mutable_annotation_added()->add_tags(kInvalidUtf8); }))
          .Index(1)
          .Field("annotation_added"));
  t.push_back(Case("invalid UTF-8 in correlation_id")
                  .Mutate(OnSecond([](Event& e) { e.set_correlation_id(kInvalidUtf8); }))
                  .Index(1)
                  .Field("correlation_id"));
  t.push_back(Case("invalid UTF-8 in the actor")
                  .Mutate(OnSecond([](Event& e) { e.mutable_actor()->set_role(kInvalidUtf8); }))
                  .Index(1)
                  .Field("actor"));
  t.push_back(Case("unknown field").Mutate(OnSecond(AddUnknownField)).Index(1));
  t.push_back(Case("unknown field inside the payload")
                  .Mutate(OnSecond([](Event& e) {
                    auto* payload = e.mutable_annotation_added();
                    payload->GetReflection()->MutableUnknownFields(payload)->AddVarint(99, 1);
                  }))
                  .Index(1)
                  .Field("annotation_added"));
  if (auto enum_field = FindPayloadField(
          [](const FieldDescriptor* f) { return f->type() == FieldDescriptor::TYPE_ENUM; })) {
    const auto [member, inner] = *enum_field;
    t.push_back(Case("unknown enum value inside a payload")
                    .Mutate(OnSecond([member = member, inner = inner](Event& e) {
                      auto* payload = SetPayload(e, member);
                      payload->GetReflection()->SetEnumValue(payload, inner, 12345);
                    }))
                    .Index(1)
                    .Field(member->name()));
  }
  if (auto ts_field = FindPayloadField([](const FieldDescriptor* f) {
        return f->type() == FieldDescriptor::TYPE_MESSAGE &&
               f->message_type() == google::protobuf::Timestamp::descriptor();
      })) {
    const auto [member, inner] = *ts_field;
    t.push_back(Case("invalid timestamp inside a payload")
                    .Mutate(OnSecond([member = member, inner = inner](Event& e) {
                      auto* payload = SetPayload(e, member);
                      auto* ts = payload->GetReflection()->MutableMessage(payload, inner);
                      ts->GetReflection()->SetInt32(
                          ts, ts->GetDescriptor()->FindFieldByName("nanos"), -5);
                    }))
                    .Index(1)
                    .Field(member->name()));
  }

  // The list itself.
  t.push_back(Case("empty event list").Mutate([](std::vector<Event>& ev) { ev.clear(); }));

  // Expected revisions.
  t.push_back(Case("expected revision -3").ExpectedRevision(-3));
  t.push_back(Case("expected revision -5").ExpectedRevision(-5));
  t.push_back(
      Case("expected revision INT64_MIN").ExpectedRevision(std::numeric_limits<int64_t>::min()));
  t.push_back(Case("stale expected revision").ExpectedRevision(0).Code(StatusCode::kAborted));
  t.push_back(Case("no-stream on an existing stream")
                  .ExpectedRevision(kNoStream)
                  .Code(StatusCode::kAborted));
  t.push_back(Case("stream-exists on a missing stream")
                  .Stream("call-2")
                  .ExpectedRevision(kStreamExists)
                  .Code(StatusCode::kAborted));

  // Ids already stored.
  t.push_back(Case("stored id with other content")
                  .Mutate([stored](std::vector<Event>& ev) {
                    Event forged = stored;
                    forged.mutable_annotation_added()->set_text("forged");
                    ev = {forged};
                  })
                  .Code(StatusCode::kAlreadyExists));
  t.push_back(Case("stored id mixed with new ids")
                  .Mutate([stored](std::vector<Event>& ev) { ev[1] = stored; })
                  .Code(StatusCode::kAlreadyExists));
  return t;
}

// One malformed AppendMulti, built from a valid two-stream request.
struct BadMulti {
  const char* name = "";
  std::function<void(std::vector<StreamAppend>&)> mutate;
  StatusCode code = StatusCode::kInvalidArgument;
  std::string stream;  // expected context().stream, when documented

  BadMulti& Mutate(std::function<void(std::vector<StreamAppend>&)> m) {
    mutate = std::move(m);
    return *this;
  }
  BadMulti& Code(StatusCode c) {
    code = c;
    return *this;
  }
  BadMulti& Stream(std::string s) {
    stream = std::move(s);
    return *this;
  }
};

BadMulti MultiCase(const char* name) {
  BadMulti c;
  c.name = name;
  return c;
}

std::vector<BadMulti> BadMultis() {
  std::vector<BadMulti> t;
  t.push_back(MultiCase("same stream twice")
                  .Mutate([](std::vector<StreamAppend>& r) { r[1].stream = r[0].stream; })
                  .Stream("call-1"));
  t.push_back(MultiCase("no streams").Mutate([](std::vector<StreamAppend>& r) { r.clear(); }));
  t.push_back(MultiCase("one stream without events")
                  .Mutate([](std::vector<StreamAppend>& r) { r[1].events.clear(); })
                  .Stream("agent-1"));
  t.push_back(MultiCase("reserved second stream").Mutate([](std::vector<StreamAppend>& r) {
    r[1].stream = "$by-category";
  }));
  t.push_back(MultiCase("bad expected revision in second stream")
                  .Mutate([](std::vector<StreamAppend>& r) { r[1].expected_revision = -3; })
                  .Stream("agent-1"));
  t.push_back(MultiCase("one id in two streams").Mutate([](std::vector<StreamAppend>& r) {
    r[1].events[0].set_event_id(r[0].events[0].event_id());
  }));
  t.push_back(
      MultiCase("stream_id naming the other stream")
          .Mutate([](std::vector<StreamAppend>& r) { r[1].events[0].set_stream_id("call-1"); })
          .Stream("agent-1"));
  t.push_back(MultiCase("stale revision in second stream")
                  .Mutate([](std::vector<StreamAppend>& r) { r[1].expected_revision = kNoStream; })
                  .Code(StatusCode::kAborted)
                  .Stream("agent-1"));
  return t;
}

struct SeededStore {
  TempDir dir;
  Event stored = MakeEvent("stored");
  std::unique_ptr<EventStore> store;

  SeededStore() {
    store = OpenStore(dir.path());
    CONSENT_REQUIRE_OK(store->Append("call-1", kNoStream, {stored, MakeEvent(), MakeEvent()}));
    CONSENT_REQUIRE_OK(store->Append("agent-1", kNoStream, MakeNotes(1)));
  }
};

TEST_CASE("Each malformed Append is rejected with its own code and writes nothing") {
  SeededStore s;
  s.store.reset();
  const auto raw_before = RawDumpAll(s.dir.path());
  s.store = OpenStore(s.dir.path());
  const auto before = TakeSnapshot(*s.store);

  const std::vector<BadAppend> cases = BadAppends(s.stored);
  // The schema has enums and timestamps inside payloads: those cases must be in the table.
  std::set<std::string> names;
  for (const BadAppend& c : cases) names.insert(c.name);
  CHECK(names.count("unknown enum value inside a payload") == 1);
  CHECK(names.count("invalid timestamp inside a payload") == 1);

  for (const BadAppend& c : cases) {
    CAPTURE(c.name);
    std::vector<Event> events = MakeNotes(3, "bad");
    c.mutate(events);
    std::vector<std::string> new_ids;
    for (const Event& e : events) {
      if (e.event_id() != s.stored.event_id()) new_ids.push_back(e.event_id());
    }
    auto r = s.store->Append(c.stream, c.expected_revision, events);
    CHECK_MESSAGE(r.status().code() == c.code, r.status().ToString());
    if (c.index) {
      CHECK_MESSAGE(r.status().context().index == c.index, r.status().ToString());
    }
    if (!c.field.empty()) {
      CHECK_MESSAGE(r.status().context().field.rfind(c.field, 0) == 0,
                    "context().field = \"" << r.status().context().field << "\", expected \""
                                           << c.field << "...\"");
    }
    if (c.code == StatusCode::kAborted) {
      CHECK(r.status().context().expected_revision == c.expected_revision);
      CHECK(r.status().context().actual_revision.has_value());
    }
    CHECK(TakeSnapshot(*s.store) == before);
    for (const std::string& id : new_ids) {
      if (id.size() == kEventIdSize) {
        CHECK(s.store->FindEvent(id).status().code() == StatusCode::kNotFound);
      }
    }
  }
  s.store.reset();
  CHECK(RawDumpAll(s.dir.path()) == raw_before);
}

TEST_CASE("Each malformed AppendMulti is rejected with its own code and writes nothing") {
  SeededStore s;
  s.store.reset();
  const auto raw_before = RawDumpAll(s.dir.path());
  s.store = OpenStore(s.dir.path());
  const auto before = TakeSnapshot(*s.store);

  for (const BadMulti& c : BadMultis()) {
    CAPTURE(c.name);
    std::vector<StreamAppend> req;
    req.push_back({"call-1", 2, MakeNotes(2, "m1")});
    req.push_back({"agent-1", 0, MakeNotes(2, "m2")});
    c.mutate(req);
    auto r = s.store->AppendMulti(req);
    CHECK_MESSAGE(r.status().code() == c.code, r.status().ToString());
    if (!c.stream.empty()) CHECK(r.status().context().stream == c.stream);
    CHECK(TakeSnapshot(*s.store) == before);
  }
  s.store.reset();
  CHECK(RawDumpAll(s.dir.path()) == raw_before);
}

TEST_CASE("ValidateEventForAppend reports the same field as Append for a malformed event") {
  const Event stored = MakeEvent("stored");
  for (const BadAppend& c : BadAppends(stored)) {
    if (c.index != std::optional<uint64_t>(1)) continue;  // only single-event defects
    CAPTURE(c.name);
    std::vector<Event> events = MakeNotes(3, "bad");
    c.mutate(events);
    Status s = ValidateEventForAppend(c.stream, events[1]);
    CHECK_MESSAGE(s.code() == StatusCode::kInvalidArgument, s.ToString());
    if (!c.field.empty()) {
      CHECK_MESSAGE(s.context().field.rfind(c.field, 0) == 0,
                    "context().field = \"" << s.context().field << "\"");
    }
    CONSENT_CHECK_OK(ValidateEventForAppend(c.stream, events[0]));
  }
}

TEST_CASE("ValidateStreamName accepts category-id names and rejects reserved or malformed ones") {
  for (const std::string& good :
       {std::string("call-42"), std::string("call"), std::string("appel-\xC3\xA9t\xC3\xA9-1"),
        std::string("a-b-c"), "x" + std::string(511, 'y'), std::string("call-$1")}) {
    CAPTURE(good);
    CONSENT_CHECK_OK(ValidateStreamName(good));
  }
  for (const std::string& bad :
       {std::string(""), std::string("$all"), std::string("a\0b", 3), std::string("\xFF"),
        std::string("a\x01"), "x" + std::string(512, 'y')}) {
    CAPTURE(bad);
    CHECK(ValidateStreamName(bad).code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("Append accepts the longest allowed stream name and non-ASCII UTF-8 names") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  const std::string longest = "call-" + std::string(507, 'x');
  REQUIRE(longest.size() == 512);
  CONSENT_CHECK_OK(store->Append(longest, kNoStream, MakeNotes(1)));
  const std::string accented = "appel-\xC3\xA9t\xC3\xA9-\xE2\x82\xAC";
  CONSENT_CHECK_OK(store->Append(accented, kNoStream, MakeNotes(1)));
  CHECK(ReadStreamOrDie(*store, accented).size() == 1);
  CHECK(ReadStreamOrDie(*store, longest).size() == 1);
  // Valid UTF-8 inside payload strings is kept byte for byte.
  Event e = MakeEvent("\xE2\x9C\x93 consent \xF0\x9F\x93\x9E");
  CONSENT_REQUIRE_OK(store->Append("call-1", kNoStream, {e}));
  CHECK(ReadStreamOrDie(*store, "call-1")[0].annotation_added().text() ==
        e.annotation_added().text());
}

TEST_CASE("The Ledger refuses a payload time in year 2300 and names the field") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto ledger = Ledger::Create(store.get());
  CONSENT_REQUIRE_OK(ledger);
  Event e;
  *e.mutable_occur_time() = ToTimestamp(std::chrono::system_clock::now());
  e.mutable_notice_given()->set_call_id("c-1");
  e.mutable_notice_given()->mutable_start_time()->set_seconds(10413792000);  // 2300-01-01
  auto r = (*ledger)->Record(e);
  REQUIRE(r.status().code() == StatusCode::kInvalidArgument);
  CHECK_MESSAGE(r.status().context().field.find("start_time") != std::string::npos, r.status().ToString());
  CHECK(r.status().message().find("2200-01-01") != std::string::npos);
  CHECK(store->HeadPosition() == 0);
}

TEST_CASE("A rejected append does not consume a position") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CONSENT_REQUIRE_OK(store->Append("s-1", kNoStream, MakeNotes(1)));
  auto events = MakeNotes(2);
  events[1].clear_occur_time();
  CHECK(store->Append("s-1", kAnyRevision, events).status().code() == StatusCode::kInvalidArgument);
  CHECK(store->Append("s-1", 5, MakeNotes(1)).status().code() == StatusCode::kAborted);
  auto r = store->Append("s-1", 0, MakeNotes(1));
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->first_position == 2);
  CHECK(r->next_expected_revision == 1);
  CHECK(Positions(ReadAllOrDie(*store)) == Range(1, 2));
}

}  // namespace
}  // namespace consent::testing
