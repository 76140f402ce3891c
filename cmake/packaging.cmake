# Debian packages (issue 20 part 1) with CPack DEB, from the same build tree the tests run on:
# no second build (debhelper's dpkg-buildpackage would configure and compile the tree again,
# ~20 min here) and the install rules stay in CMake beside the targets. What debhelper would
# generate is written out in deploy/debian/ (maintainer scripts, conffile, copyright,
# changelog). `tools/build_packages.sh BUILD` runs cpack and lintian (docs/packages.md).
#   kotona-gateway          the hub: binary, unit, /etc/kotona/gateway.conf, user kotona-gateway
#   kotona-server           server + kotona-admin, unit, /etc/kotona/server.conf, user kotona-server
#   kotona-sim              kotona-firmware-sim (simulated meters, for demos and site tests)
#   kotona-driver-sdk-dev   headers, static libraries, CMake package, conformance kit, decode CLI
set(kotona_deb_dir "${PROJECT_SOURCE_DIR}/deploy/debian")
set(kotona_deb_out "${PROJECT_BINARY_DIR}/debian")

# kotona_deb_docs(<component> <package>): copyright and changelog of one package.
function(kotona_deb_docs component package)
  set(PKG ${package})
  set(VERSION ${PROJECT_VERSION})
  configure_file("${kotona_deb_dir}/changelog.in" "${kotona_deb_out}/${package}/changelog.Debian"
                 @ONLY)
  execute_process(COMMAND gzip -9nc "${kotona_deb_out}/${package}/changelog.Debian"
                  OUTPUT_FILE "${kotona_deb_out}/${package}/changelog.Debian.gz")
  install(FILES "${kotona_deb_dir}/copyright" "${kotona_deb_out}/${package}/changelog.Debian.gz"
          DESTINATION share/doc/${package} COMPONENT ${component})
endfunction()

# kotona_deb_man(<component> <page> ...): deploy/debian/man/<page>.1, gzipped as Debian wants.
function(kotona_deb_man component)
  foreach(page ${ARGN})
    execute_process(COMMAND gzip -9nc "${kotona_deb_dir}/man/${page}.1"
                    OUTPUT_FILE "${kotona_deb_out}/${page}.1.gz")
    install(FILES "${kotona_deb_out}/${page}.1.gz" DESTINATION share/man/man1
            COMPONENT ${component})
  endforeach()
endfunction()

# kotona_deb_service(<component> <package> <unit> <user> <state dir> <conffile> <role>): the
# unit, the conffile and the maintainer scripts of a package that runs a service.
# Further units (ARGN: e.g. a timer) are enabled and started with it, masked on remove;
# kotona_deb_extra_purge (if set by the caller): one more directory purge deletes.
function(kotona_deb_service component package unit user state conf role)
  set(PKG ${package})
  string(JOIN " " EXTRA_UNITS ${ARGN})
  set(EXTRA_PURGE "${kotona_deb_extra_purge}")
  set(UNIT ${unit}.service)
  set(USER ${user})
  set(STATE ${state})
  set(CONF /etc/kotona/${conf})
  set(ROLE ${role})
  set(out "${kotona_deb_out}/${package}")
  foreach(script postinst prerm postrm)
    configure_file("${kotona_deb_dir}/${script}.in" "${out}/${script}" @ONLY
                   FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                                    WORLD_READ WORLD_EXECUTE)
  endforeach()
  file(WRITE "${out}/conffiles" "${CONF}\n")
  install(FILES "${PROJECT_SOURCE_DIR}/deploy/systemd/${unit}.service"
          DESTINATION /lib/systemd/system COMPONENT ${component})
  install(FILES "${kotona_deb_dir}/${conf}" DESTINATION /etc/kotona COMPONENT ${component})
  string(TOUPPER ${component} c)
  set(CPACK_DEBIAN_${c}_PACKAGE_CONTROL_EXTRA "${out}/postinst;${out}/prerm;${out}/postrm;${out}/conffiles"
      PARENT_SCOPE)
endfunction()

install(TARGETS kotona-gateway RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT gateway)
install(FILES "${PROJECT_SOURCE_DIR}/gateway/README.md" DESTINATION share/doc/kotona-gateway
        COMPONENT gateway)
set(kotona_deb_extra_purge /var/lib/kotona-update)  # the updater's rollback copy and status
kotona_deb_service(gateway kotona-gateway kotona-gateway kotona-gateway /var/lib/kotona
                   gateway.conf "home hub" kotona-gateway-update.timer)
unset(kotona_deb_extra_purge)
# The hub's updater (issue 20 part 6, docs/packages.md "Updates"): script, service, timer, man.
install(PROGRAMS "${kotona_deb_dir}/kotona-gateway-update" DESTINATION sbin COMPONENT gateway)
install(FILES "${PROJECT_SOURCE_DIR}/deploy/systemd/kotona-gateway-update.service"
              "${PROJECT_SOURCE_DIR}/deploy/systemd/kotona-gateway-update.timer"
        DESTINATION /lib/systemd/system COMPONENT gateway)
execute_process(COMMAND gzip -9nc "${kotona_deb_dir}/man/kotona-gateway-update.8"
                OUTPUT_FILE "${kotona_deb_out}/kotona-gateway-update.8.gz")
install(FILES "${kotona_deb_out}/kotona-gateway-update.8.gz" DESTINATION share/man/man8
        COMPONENT gateway)
kotona_deb_docs(gateway kotona-gateway)
kotona_deb_man(gateway kotona-gateway)

if(NOT KOTONA_HUB_ONLY)  # the arm64 hub build packages kotona-gateway (and the SDK) only
  install(TARGETS kotona-server kotona-admin RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
          COMPONENT server)
  install(FILES "${PROJECT_SOURCE_DIR}/server/README.md" DESTINATION share/doc/kotona-server
          COMPONENT server)
  kotona_deb_service(server kotona-server kotona-server kotona-server /var/lib/kotona-server
                     server.conf "ingest server")
  kotona_deb_docs(server kotona-server)
  kotona_deb_man(server kotona-server kotona-admin)

  install(TARGETS kotona-firmware-sim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT sim)
  kotona_deb_docs(sim kotona-sim)
  kotona_deb_man(sim kotona-firmware-sim)
endif()
kotona_deb_docs(sdk kotona-driver-sdk-dev)
kotona_deb_man(sdk kotona-decode kotona-conformance)

set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
if(KOTONA_HUB_ONLY)
  set(CPACK_COMPONENTS_ALL gateway)
else()
  set(CPACK_COMPONENTS_ALL gateway server sim sdk)
endif()
if(CMAKE_CROSSCOMPILING AND CMAKE_SYSTEM_PROCESSOR STREQUAL "aarch64")
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)  # cpack would name the build machine's (amd64)
endif()
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Kotona")
set(CPACK_PACKAGE_CONTACT "Kotona maintainers <kotona@example.invalid>")
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_BINARY_DIR}/packages")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_GATEWAY_PACKAGE_NAME kotona-gateway)
set(CPACK_DEBIAN_GATEWAY_PACKAGE_DEPENDS "adduser, bluez")
set(CPACK_COMPONENT_GATEWAY_DESCRIPTION
    "Kotona home hub: reads home meters, forwards readings to the care centre\nThe hub reads BLE and serial home-measurement devices (blood pressure, INR,\nglucose, pacemaker/ICD relays), keeps each reading in a durable outbox and\nforwards it over MQTT to the care centre's Kotona server until it is stored.")
set(CPACK_DEBIAN_SERVER_PACKAGE_NAME kotona-server)
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_SERVER_PACKAGE_SUGGESTS "mosquitto, postgresql")
set(CPACK_COMPONENT_SERVER_DESCRIPTION
    "Kotona care-centre server: ingest, store, alerts, clinician page\nStores the readings the hubs send (SQLite or PostgreSQL), raises clinical\nand technical alerts for the care teams and serves the clinician page and\nthe HTTP API. Includes kotona-admin.")
set(CPACK_DEBIAN_SIM_PACKAGE_NAME kotona-sim)
set(CPACK_COMPONENT_SIM_DESCRIPTION
    "Kotona simulated home meters for demos and site tests\nkotona-firmware-sim plays serial (ASTM, implant relay), USB HID and BLE\n(through BlueZ's D-Bus API) meters from their specifications, and writes\na ledger of what it sent.")
set(CPACK_DEBIAN_SDK_PACKAGE_NAME kotona-driver-sdk-dev)
set(CPACK_DEBIAN_SDK_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_SDK_PACKAGE_DEPENDS "cmake (>= 3.25), doctest-dev, g++")
set(CPACK_COMPONENT_SDK_DESCRIPTION
    "Kotona driver SDK: build a device driver outside the Kotona tree\nHeaders and static libraries of the driver API and the shared GATT\ndecoders, the CMake package KotonaDriverSdk (kotona_driver_target), the\nconformance kit and kotona-decode.")
include(CPack)
