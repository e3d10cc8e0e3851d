// SPDX-License-Identifier: Apache-2.0
// Test seams of the SubjectDirectory (subject_directory.cc). Never installed.
#ifndef CONSENT_CRYPTO_SUBJECT_DIRECTORY_TESTING_H_
#define CONSENT_CRYPTO_SUBJECT_DIRECTORY_TESTING_H_

namespace consent::internal {

// `hook` (null: none, the default) runs in EraseSubject right after the erasure is committed
// and before the disk is scrubbed: a test makes it end the process to simulate a crash there.
void SetEraseCommittedHookForTesting(void (*hook)());

}  // namespace consent::internal

#endif  // CONSENT_CRYPTO_SUBJECT_DIRECTORY_TESTING_H_
