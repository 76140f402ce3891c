# The driver SDK package KotonaDriverSdk (issue 20 item 7, issue 21 part 4): what a vendor needs
# to build a driver outside the tree. `cmake --install <build> --prefix P` installs the headers
# of core/, drivers/api/ and drivers/gatt/, their static libraries (kotona::core,
# kotona::drivers_api, kotona::drivers_gatt; position-independent, so they link into a plugin),
# kotona-conformance and kotona-decode, and lib/cmake/KotonaDriverSdk/ with
# kotona_driver_target() (and the fuzz replay main its FUZZ option builds);
# `find_package(KotonaDriverSdk)` with CMAKE_PREFIX_PATH=P finds it.
# Component sdk: `cmake --install <build> --component sdk`, the kotona-driver-sdk-dev package
# (cmake/packaging.cmake installs the rest of the tree as the other packages).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(kotona_sdk_targets kotona_core kotona_drivers_api kotona_drivers_gatt)
set_target_properties(kotona_core kotona_drivers_gatt PROPERTIES POSITION_INDEPENDENT_CODE ON)
set_target_properties(kotona_core PROPERTIES EXPORT_NAME core)
set_target_properties(kotona_drivers_api PROPERTIES EXPORT_NAME drivers_api)
set_target_properties(kotona_drivers_gatt PROPERTIES EXPORT_NAME drivers_gatt)
install(TARGETS ${kotona_sdk_targets} EXPORT KotonaDriverSdkTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT sdk
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(dir core drivers/api drivers/gatt)
  install(DIRECTORY "${PROJECT_SOURCE_DIR}/${dir}/" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/${dir}"
          COMPONENT sdk FILES_MATCHING PATTERN "*.h" PATTERN "testdata" EXCLUDE)
endforeach()
install(TARGETS kotona-conformance kotona-decode RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        COMPONENT sdk)

set(kotona_sdk_dir "${CMAKE_INSTALL_LIBDIR}/cmake/KotonaDriverSdk")
install(EXPORT KotonaDriverSdkTargets NAMESPACE kotona:: DESTINATION "${kotona_sdk_dir}"
        COMPONENT sdk)
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/KotonaDriverSdkConfig.cmake.in"
                              "${PROJECT_BINARY_DIR}/KotonaDriverSdkConfig.cmake"
                              INSTALL_DESTINATION "${kotona_sdk_dir}")
# Exact: a plugin must be built against the hub's own release (drivers/api/plugin.h).
write_basic_package_version_file("${PROJECT_BINARY_DIR}/KotonaDriverSdkConfigVersion.cmake"
                                 COMPATIBILITY ExactVersion)
install(FILES "${PROJECT_BINARY_DIR}/KotonaDriverSdkConfig.cmake"
              "${PROJECT_BINARY_DIR}/KotonaDriverSdkConfigVersion.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/driver_plugin_entry.cpp.in"
              "${PROJECT_SOURCE_DIR}/tests/support/fuzz_replay_main.cpp"
        DESTINATION "${kotona_sdk_dir}" COMPONENT sdk)
