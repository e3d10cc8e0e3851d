# SPDX-License-Identifier: Apache-2.0
# Install rules and the CMake package: find_package(libconsent) + consent::consent.
include(CMakePackageConfigHelpers)

install(TARGETS consent consent_proto EXPORT libconsentTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/libconsent/include/consent
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_BINARY_DIR}/libconsent/include/consent/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/consent)
install(DIRECTORY ${CONSENT_PROTO_OUT}/consent DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.pb.h")
install(FILES ${CONSENT_PROTO_FILES} DESTINATION ${CMAKE_INSTALL_DATADIR}/libconsent/proto/consent/v1)
install(EXPORT libconsentTargets NAMESPACE consent::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/libconsent)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/libconsentConfig.cmake.in
        ${PROJECT_BINARY_DIR}/libconsentConfig.cmake
        INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/libconsent)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/libconsentConfigVersion.cmake
        COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/libconsentConfig.cmake
              ${PROJECT_BINARY_DIR}/libconsentConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/libconsent)
if(TARGET consentctl)
  install(TARGETS consentctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# pkg-config: libconsent.pc, relocatable (paths relative to the .pc file). A static
# consent::consent needs RocksDB and libsodium on the consumer's link line; a shared one only
# needs them at run time (Requires.private).
set(LIBCONSENT_PC_DIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
file(RELATIVE_PATH LIBCONSENT_PC_PREFIX_FROM_PCDIR "/${LIBCONSENT_PC_DIR}" "/")
if(LIBCONSENT_SHARED)
  set(LIBCONSENT_PC_PRIVATE ".private")
else()
  set(LIBCONSENT_PC_PRIVATE "")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/libconsent.pc.in ${PROJECT_BINARY_DIR}/libconsent.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/libconsent.pc DESTINATION ${LIBCONSENT_PC_DIR})
