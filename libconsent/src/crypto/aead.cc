// SPDX-License-Identifier: Apache-2.0
#include "crypto/aead.h"

#include "consent/event_id.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace consent::internal {

void EnsureSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) {
      std::fputs("libconsent: libsodium cannot initialize (no entropy source?)\n", stderr);
      std::abort();
    }
  });
}

KeyBytes::~KeyBytes() { sodium_memzero(b_.data(), b_.size()); }

KeyBytes KeyBytes::Random() {
  EnsureSodium();
  KeyBytes k;
  randombytes_buf(k.b_.data(), k.b_.size());
  return k;
}

std::string AeadSeal(const unsigned char* key, std::string_view plaintext, std::string_view ad) {
  static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == kAeadNonceSize);
  static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == kAeadTagSize);
  static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == kAeadKeySize);
  EnsureSodium();
  std::string out(kAeadNonceSize + plaintext.size() + kAeadTagSize, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(o, kAeadNonceSize);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      o + kAeadNonceSize, &clen, reinterpret_cast<const unsigned char*>(plaintext.data()),
      plaintext.size(), reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr, o,
      key);
  out.resize(kAeadNonceSize + clen);
  return out;
}

bool AeadOpen(const unsigned char* key, std::string_view sealed, std::string_view ad,
              std::string* plaintext) {
  if (sealed.size() < kAeadNonceSize + kAeadTagSize) return false;
  EnsureSodium();
  const auto* s = reinterpret_cast<const unsigned char*>(sealed.data());
  std::string out(sealed.size() - kAeadNonceSize - kAeadTagSize, '\0');
  unsigned long long mlen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &mlen, nullptr, s + kAeadNonceSize,
          sealed.size() - kAeadNonceSize, reinterpret_cast<const unsigned char*>(ad.data()),
          ad.size(), s, key) != 0) {
    return false;
  }
  out.resize(mlen);
  Wipe(plaintext);
  *plaintext = std::move(out);
  return true;
}

std::string RandomBytes(size_t n) {
  EnsureSodium();
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

std::string Hex(std::string_view bytes) { return ToHex(bytes); }

void Wipe(std::string* s) {
  if (s == nullptr || s->empty()) return;
  sodium_memzero(s->data(), s->size());
  s->clear();
}

}  // namespace consent::internal
