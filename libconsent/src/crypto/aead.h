// SPDX-License-Identifier: Apache-2.0
// The few libsodium operations the subject directory needs, behind plain C++ types so that no
// libsodium header leaks further. Internal: never installed.
//
// Sealed format: nonce[24] || XChaCha20-Poly1305-IETF(key, plaintext, ad) (ciphertext + 16-byte
// tag). Nonces are random: 192 bits make collisions negligible without any counter state.
#ifndef CONSENT_CRYPTO_AEAD_H_
#define CONSENT_CRYPTO_AEAD_H_

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace consent::internal {

inline constexpr size_t kAeadKeySize = 32;
inline constexpr size_t kAeadNonceSize = 24;
inline constexpr size_t kAeadTagSize = 16;
inline constexpr const char* kAeadCipherName = "xchacha20poly1305-ietf";

// Initializes libsodium once (thread-safe). Aborts the process if it cannot: no random numbers
// means no safe key, and continuing would be worse.
void EnsureSodium();

// A 32-byte key whose memory is wiped on destruction.
class KeyBytes {
 public:
  KeyBytes() = default;
  KeyBytes(const KeyBytes& other) : b_(other.b_) {}
  KeyBytes& operator=(const KeyBytes& other) {
    b_ = other.b_;
    return *this;
  }
  ~KeyBytes();
  static KeyBytes Random();
  unsigned char* data() { return b_.data(); }
  const unsigned char* data() const { return b_.data(); }
  std::string_view view() const {
    return std::string_view(reinterpret_cast<const char*>(b_.data()), b_.size());
  }

 private:
  std::array<unsigned char, kAeadKeySize> b_{};
};

// nonce || ciphertext || tag.
std::string AeadSeal(const unsigned char* key, std::string_view plaintext, std::string_view ad);
// False when `sealed` is too short or does not authenticate under `key` and `ad`.
bool AeadOpen(const unsigned char* key, std::string_view sealed, std::string_view ad,
              std::string* plaintext);

std::string RandomBytes(size_t n);
// Lower-case hex.
std::string Hex(std::string_view bytes);
// Overwrites the string's bytes with zeros (then clears it).
void Wipe(std::string* s);

}  // namespace consent::internal

#endif  // CONSENT_CRYPTO_AEAD_H_
