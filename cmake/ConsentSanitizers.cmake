# SPDX-License-Identifier: Apache-2.0
# LIBCONSENT_SANITIZE=address -> ASan + UBSan; =thread -> TSan. Applies to every target below.
if(LIBCONSENT_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(LIBCONSENT_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT LIBCONSENT_SANITIZE STREQUAL "")
  message(FATAL_ERROR "LIBCONSENT_SANITIZE must be '', 'address' or 'thread', not '${LIBCONSENT_SANITIZE}'")
endif()
