// SPDX-License-Identifier: Apache-2.0
#include "nats_support.h"

#include <charconv>
#include <vector>

namespace consent::replication {
namespace {

std::vector<std::string> SplitUrls(std::string_view urls) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= urls.size()) {
    size_t end = urls.find(',', start);
    if (end == std::string_view::npos) end = urls.size();
    std::string_view one = urls.substr(start, end - start);
    while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
    while (!one.empty() && one.back() == ' ') one.remove_suffix(1);
    if (!one.empty()) out.emplace_back(one);
    start = end + 1;
  }
  return out;
}

int64_t Nanos(std::chrono::milliseconds ms) { return static_cast<int64_t>(ms.count()) * 1000000; }

}  // namespace

Status NatsError(std::string_view op, natsStatus s) {
  std::string msg = std::string(op) + ": " + natsStatus_GetText(s);
  natsStatus last = NATS_OK;
  const char* detail = nats_GetLastError(&last);
  if (detail != nullptr && *detail != '\0' && std::string_view(detail) != natsStatus_GetText(s)) {
    msg += " (" + std::string(detail) + ")";
  }
  if (s == NATS_INVALID_ARG) return InvalidArgumentError(std::move(msg));
  return UnavailableError(std::move(msg));
}

StatusOr<std::unique_ptr<NatsSession>> NatsSession::Connect(const NatsOptions& options,
                                                            const jsOptions* js_options) {
  const std::string op = "Connect(\"" + options.urls + "\")";
  const std::vector<std::string> urls = SplitUrls(options.urls);
  if (urls.empty()) return InvalidArgumentError(op + ": no server URL given");
  std::vector<const char*> raw;
  for (const auto& u : urls) raw.push_back(u.c_str());
  natsOptions* opts = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  if (s == NATS_OK) s = natsOptions_SetServers(opts, raw.data(), static_cast<int>(raw.size()));
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, options.timeout.count());
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, 100);
  if (s == NATS_OK && !options.client_name.empty()) s = natsOptions_SetName(opts, options.client_name.c_str());
  std::unique_ptr<NatsSession> session(new NatsSession());
  if (s == NATS_OK) s = natsConnection_Connect(&session->nc_, opts);
  natsOptions_Destroy(opts);
  if (s != NATS_OK) return NatsError(op, s);
  jsOptions jo;
  if (js_options != nullptr) {
    jo = *js_options;
  } else {
    jsOptions_Init(&jo);
  }
  jo.Wait = options.timeout.count();
  s = natsConnection_JetStream(&session->js_, session->nc_, &jo);
  if (s != NATS_OK) return NatsError(op + ": JetStream", s);
  return session;
}

NatsSession::~NatsSession() {
  if (js_ != nullptr) jsCtx_Destroy(js_);
  if (nc_ != nullptr) natsConnection_Destroy(nc_);
}

std::string SiteSubject(const StreamSettings& s, std::string_view site) {
  return s.subject_prefix + "." + std::string(site) + ".events";
}
std::string AllSitesSubject(const StreamSettings& s) { return s.subject_prefix + ".*.events"; }

namespace {

Status CheckExisting(const jsStreamConfig& c, const StreamSettings& want, const std::string& op) {
  auto refuse = [&](const std::string& why) {
    return FailedPreconditionError(op + ": stream \"" + want.name + "\" " + why +
                                   ": exactly-once delivery needs it; fix the stream or the settings");
  };
  if (c.Storage != js_FileStorage) return refuse("keeps messages in memory, not on file");
  if (c.Replicas != want.replicas) {
    return refuse("has " + std::to_string(c.Replicas) + " replicas, the group expects " +
                  std::to_string(want.replicas));
  }
  if (c.Duplicates < Nanos(want.duplicate_window)) {
    return refuse("de-duplicates over " + std::to_string(c.Duplicates / 1000000) +
                  " ms, less than the " + std::to_string(want.duplicate_window.count()) + " ms required");
  }
  if (c.Retention != js_LimitsPolicy) return refuse("deletes messages once consumed (retention is not 'limits')");
  if (c.MaxMsgs > 0 || c.MaxBytes > 0 || c.MaxAge > 0 || c.MaxMsgsPerSubject > 0) {
    return refuse("drops messages by a size, count or age limit before every consumer may have read them");
  }
  if (c.NoAck) return refuse("does not acknowledge publishes");
  const std::string all = AllSitesSubject(want);
  bool covers = false;
  for (int i = 0; i < c.SubjectsLen; ++i) covers = covers || all == c.Subjects[i];
  if (!covers) return refuse("does not hold the subjects \"" + all + "\"");
  return Status::Ok();
}

}  // namespace

Status EnsureStream(jsCtx* js, const StreamSettings& settings, std::string_view op_name) {
  const std::string op = std::string(op_name) + ": stream \"" + settings.name + "\"";
  if (settings.name.empty() || settings.name.find_first_of(" .*>") != std::string::npos) {
    return InvalidArgumentError(op + ": a stream name is non-empty, without spaces, '.', '*' or '>'");
  }
  if (settings.subject_prefix.empty() || settings.subject_prefix.find_first_of(" *>") != std::string::npos) {
    return InvalidArgumentError(op + ": subject prefix must be non-empty, without spaces, '*' or '>'");
  }
  if (settings.replicas != 1 && settings.replicas != 3 && settings.replicas != 5) {
    return InvalidArgumentError(op + ": replicas must be 1, 3 or 5, not " + std::to_string(settings.replicas));
  }
  if (settings.duplicate_window.count() <= 0) {
    return InvalidArgumentError(op + ": the duplicate window must be positive");
  }
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, js, settings.name.c_str(), nullptr, &jerr);
  if (s == NATS_OK) {
    Status st = CheckExisting(*si->Config, settings, op);
    jsStreamInfo_Destroy(si);
    return st;
  }
  if (s != NATS_NOT_FOUND) return NatsError(op + ": info", s);
  if (!settings.create_if_missing) return NotFoundError(op + ": does not exist");
  const std::string all = AllSitesSubject(settings);
  const char* subjects[] = {all.c_str()};
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = settings.name.c_str();
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  cfg.Retention = js_LimitsPolicy;
  cfg.Replicas = settings.replicas;
  cfg.Duplicates = Nanos(settings.duplicate_window);
  cfg.AllowDirect = true;
  s = js_AddStream(&si, js, &cfg, nullptr, &jerr);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(si);
    return Status::Ok();
  }
  if (jerr == JSStreamNameExistErr) {  // created meanwhile by another process: check it
    StreamSettings existing = settings;
    existing.create_if_missing = false;
    return EnsureStream(js, existing, op_name);
  }
  return NatsError(op + ": create", s);
}

std::optional<std::string_view> Header(natsMsg* msg, const char* key) {
  const char* v = nullptr;
  if (natsMsgHeader_Get(msg, key, &v) != NATS_OK || v == nullptr) return std::nullopt;
  return std::string_view(v);
}

std::optional<uint64_t> ParseU64(std::string_view s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::optional<std::string> Unhex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(hex[2 * i]);
    const int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

}  // namespace consent::replication
