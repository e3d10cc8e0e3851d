// SPDX-License-Identifier: Apache-2.0
// consent::MasterKey: loading the host's key from a file, the environment, hex or bytes.
// Messages name where the key came from and what is wrong with its shape, never its content.
#include <sodium.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "consent/subject_directory.h"
#include "crypto/aead.h"

namespace consent {
namespace {

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// `where` leads the message: "MasterKey::FromFile(\"/etc/k\")".
StatusOr<MasterKey> ParseHex(std::string_view hex, const std::string& where) {
  const size_t want = MasterKey::kSize * 2;
  if (hex.size() != want) {
    return InvalidArgumentError(where + ": expected " + std::to_string(want) +
                                " hexadecimal characters (a 32-byte key), found " +
                                std::to_string(hex.size()) + " characters");
  }
  for (size_t i = 0; i < hex.size(); ++i) {
    if (!IsHexDigit(hex[i])) {
      return InvalidArgumentError(where + ": character " + std::to_string(i + 1) +
                                  " is not a hexadecimal digit (expected " + std::to_string(want) +
                                  " of [0-9a-fA-F])");
    }
  }
  std::string bytes(MasterKey::kSize, '\0');
  size_t len = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), hex.data(),
                     hex.size(), nullptr, &len, nullptr) != 0 ||
      len != MasterKey::kSize) {
    internal::Wipe(&bytes);
    return InvalidArgumentError(where + ": not a hexadecimal key");
  }
  auto key = MasterKey::FromBytes(bytes);
  internal::Wipe(&bytes);
  return key;
}

}  // namespace

StatusOr<MasterKey> MasterKey::FromBytes(std::string_view bytes) {
  if (bytes.size() != kSize) {
    return InvalidArgumentError("MasterKey::FromBytes: expected " + std::to_string(kSize) +
                                " bytes, got " + std::to_string(bytes.size()));
  }
  MasterKey k;
  std::memcpy(k.bytes_.data(), bytes.data(), kSize);
  return k;
}

StatusOr<MasterKey> MasterKey::FromHex(std::string_view hex) {
  return ParseHex(hex, "MasterKey::FromHex");
}

StatusOr<MasterKey> MasterKey::FromEnvironment(const char* variable) {
  const std::string name = variable != nullptr ? variable : "";
  const std::string where = "MasterKey::FromEnvironment($" + name + ")";
  if (name.empty()) return InvalidArgumentError(where + ": no variable name given");
  const char* value = std::getenv(name.c_str());
  if (value == nullptr || *value == '\0') {
    return NotFoundError(where + ": the environment variable is not set (expected " +
                         std::to_string(kSize * 2) + " hexadecimal characters)");
  }
  return ParseHex(value, where);
}

StatusOr<MasterKey> MasterKey::FromFile(const std::string& path) {
  const std::string where = "MasterKey::FromFile(\"" + path + "\")";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT) return NotFoundError(where + ": no such file");
    return UnavailableError(where + ": " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) return InvalidArgumentError(where + ": not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return FailedPreconditionError(where + ": the key file is accessible by group or others (mode " +
                                   mode + "); run chmod 600 on it");
  }
  // A key file is 64 characters and a newline; anything much longer is not one.
  constexpr size_t kMaxRead = 256;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return UnavailableError(where + ": " + std::strerror(errno));
  std::string content(kMaxRead + 1, '\0');
  const size_t n = std::fread(content.data(), 1, content.size(), f);
  const bool read_error = std::ferror(f) != 0;
  std::fclose(f);
  if (read_error) {
    internal::Wipe(&content);
    return UnavailableError(where + ": read error");
  }
  content.resize(n);
  if (n > kMaxRead) {
    internal::Wipe(&content);
    return InvalidArgumentError(where + ": file is longer than a key (expected " +
                                std::to_string(kSize * 2) + " hexadecimal characters)");
  }
  std::string_view v(content);
  if (v.ends_with("\r\n")) {
    v.remove_suffix(2);
  } else if (v.ends_with("\n")) {
    v.remove_suffix(1);
  }
  auto key = ParseHex(v, where);
  internal::Wipe(&content);
  return key;
}

MasterKey MasterKey::Generate() {
  internal::EnsureSodium();
  MasterKey k;
  randombytes_buf(k.bytes_.data(), kSize);
  return k;
}

MasterKey::MasterKey(const MasterKey& other) : bytes_(other.bytes_) {}
MasterKey& MasterKey::operator=(const MasterKey& other) {
  bytes_ = other.bytes_;
  return *this;
}
MasterKey::MasterKey(MasterKey&& other) noexcept : bytes_(other.bytes_) {
  sodium_memzero(other.bytes_.data(), kSize);
}
MasterKey& MasterKey::operator=(MasterKey&& other) noexcept {
  if (this != &other) {
    bytes_ = other.bytes_;
    sodium_memzero(other.bytes_.data(), kSize);
  }
  return *this;
}
MasterKey::~MasterKey() { sodium_memzero(bytes_.data(), kSize); }

std::string MasterKey::ToHex() const {
  return internal::Hex(std::string_view(reinterpret_cast<const char*>(bytes_.data()), kSize));
}

}  // namespace consent
