# SPDX-License-Identifier: Apache-2.0
# consent_set_warnings(target): the warning set for project code (never for generated code).
function(consent_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Woverloaded-virtual
                                           -Wimplicit-fallthrough)
  if(LIBCONSENT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
