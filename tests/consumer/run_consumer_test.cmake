# SPDX-License-Identifier: Apache-2.0
# Installs the already-built project into a scratch prefix, configures tests/consumer against
# it, builds it and runs it; then builds the same program with the installed libconsent.pc
# (pkg-config) and runs it. Invoked by CTest with -DSOURCE_DIR -DBINARY_DIR -DWORK_DIR -DGENERATOR.

# Runs COMMAND...; stops the test with "<what> failed (<exit code>)" when it fails.
function(run_or_fail what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc})")
  endif()
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
run_or_fail("install into ${prefix}" "${CMAKE_COMMAND}" --install "${BINARY_DIR}" --prefix "${prefix}")
run_or_fail("configuring the consumer project against ${prefix}"
            "${CMAKE_COMMAND}" -S "${SOURCE_DIR}/tests/consumer" -B "${WORK_DIR}/build"
            -G "${GENERATOR}" "-DCMAKE_PREFIX_PATH=${prefix}")
run_or_fail("building the consumer project" "${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
run_or_fail("the consumer program" "${WORK_DIR}/build/consumer" "${WORK_DIR}/store")

# The same program built with the installed pkg-config file instead of CMake's package.
find_program(PKG_CONFIG_EXECUTABLE pkg-config REQUIRED)
find_program(CXX_COMPILER NAMES c++ g++ clang++ REQUIRED)
file(GLOB_RECURSE pc_files "${prefix}/*/libconsent.pc")
list(LENGTH pc_files pc_count)
if(NOT pc_count EQUAL 1)
  message(FATAL_ERROR "expected one libconsent.pc under ${prefix}, found: ${pc_files}")
endif()
get_filename_component(pc_dir "${pc_files}" DIRECTORY)
set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
execute_process(COMMAND "${PKG_CONFIG_EXECUTABLE}" --cflags --libs libconsent
                OUTPUT_VARIABLE pc_flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config --cflags --libs libconsent failed (${rc})")
endif()
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
run_or_fail("building the consumer with `pkg-config --cflags --libs libconsent`"
            "${CXX_COMPILER}" "${SOURCE_DIR}/tests/consumer/main.cc" ${pc_flags}
            -o "${WORK_DIR}/consumer_pc")
run_or_fail("the consumer built with pkg-config" "${WORK_DIR}/consumer_pc" "${WORK_DIR}/store-pc")
