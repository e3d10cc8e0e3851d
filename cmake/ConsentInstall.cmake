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
