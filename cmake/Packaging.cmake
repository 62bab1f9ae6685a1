# Install rules and the Debian package (CPack DEB) of batchcall.
#
#   cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release \
#     -DBATCHCALL_BUILD_TESTS=OFF -DBATCHCALL_BUILD_BENCH=OFF
#   ninja -C build/release && (cd build/release && cpack)   # or scripts/package
#
# The package installs
#   /usr/bin/batchcall
#   /etc/batchcall/batchcall.toml          conffile; postinst: root:batchcall 0640
#   /lib/systemd/system/batchcall.service
#   /usr/share/man/man1/batchcall.1.gz     from docs/batchcall.1
#   /usr/share/doc/batchcall/              README.md, copyright, changelog.Debian.gz
# and its maintainer scripts (packaging/debian/) create the system user
# batchcall and /var/lib/batchcall. Runtime dependencies come from
# dpkg-shlibdeps, plus adduser (postinst) and tzdata (calling hours).
#
# The default install prefix is /usr, so that `cmake --install` and the
# package agree (GNUInstallDirs then puts the configuration under /etc). A
# build directory configured before this file existed still has CMake's
# /usr/local: the first configure with this file moves it to /usr once; an
# explicit -DCMAKE_INSTALL_PREFIX is respected after that.

if(NOT DEFINED CACHE{BATCHCALL_INSTALL_PREFIX_CHOSEN})
  if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT OR CMAKE_INSTALL_PREFIX STREQUAL "/usr/local")
    set(CMAKE_INSTALL_PREFIX "/usr" CACHE PATH "Install prefix" FORCE)
  endif()
  set(BATCHCALL_INSTALL_PREFIX_CHOSEN ON CACHE INTERNAL "CMAKE_INSTALL_PREFIX was defaulted to /usr once")
endif()
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "batchcall: CMAKE_INSTALL_PREFIX is ${CMAKE_INSTALL_PREFIX}; the Debian package (cpack) needs /usr")
endif()
include(GNUInstallDirs)

# The systemd unit's directory (-DBATCHCALL_SYSTEMD_UNIT_DIR=... overrides).
if(NOT BATCHCALL_SYSTEMD_UNIT_DIR)
  if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(BATCHCALL_SYSTEMD_UNIT_DIR "/lib/systemd/system")
  else()
    set(BATCHCALL_SYSTEMD_UNIT_DIR "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
  endif()
endif()
# A placeholder address: whoever publishes the package sets theirs.
set(BATCHCALL_DEB_MAINTAINER "batchcall maintainers <batchcall@example.org>"
    CACHE STRING "Maintainer field of the Debian package")
set(BATCHCALL_DEB_RELEASE "1" CACHE STRING "Debian revision of the package (version ${PROJECT_VERSION}-<this>)")

set(_pkg_dir "${PROJECT_SOURCE_DIR}/packaging")
set(_pkg_out "${PROJECT_BINARY_DIR}/packaging")
set(BATCHCALL_DEB_VERSION "${PROJECT_VERSION}-${BATCHCALL_DEB_RELEASE}")

# Compressed man page and Debian changelog (gzip -n: no name or time stamp
# inside, so the files are reproducible).
find_program(GZIP_PROGRAM gzip REQUIRED)
string(TIMESTAMP BATCHCALL_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
file(READ "${_pkg_dir}/debian/changelog.in" _changelog)
string(REPLACE "@BATCHCALL_DEB_VERSION@" "${BATCHCALL_DEB_VERSION}" _changelog "${_changelog}")
string(REPLACE "@BATCHCALL_DEB_MAINTAINER@" "${BATCHCALL_DEB_MAINTAINER}" _changelog "${_changelog}")
string(REPLACE "@BATCHCALL_DEB_DATE@" "${BATCHCALL_DEB_DATE}" _changelog "${_changelog}")
file(WRITE "${_pkg_out}/changelog.Debian" "${_changelog}")

add_custom_command(
  OUTPUT "${_pkg_out}/batchcall.1.gz"
  COMMAND "${GZIP_PROGRAM}" -9nc "${PROJECT_SOURCE_DIR}/docs/batchcall.1" > "${_pkg_out}/batchcall.1.gz"
  DEPENDS "${PROJECT_SOURCE_DIR}/docs/batchcall.1"
  COMMENT "Compressing the man page"
  VERBATIM)
add_custom_command(
  OUTPUT "${_pkg_out}/changelog.Debian.gz"
  COMMAND "${GZIP_PROGRAM}" -9nc "${_pkg_out}/changelog.Debian" > "${_pkg_out}/changelog.Debian.gz"
  DEPENDS "${_pkg_out}/changelog.Debian"
  VERBATIM)
add_custom_target(batchcall_package_files ALL
  DEPENDS "${_pkg_out}/batchcall.1.gz" "${_pkg_out}/changelog.Debian.gz")

set(_doc_dir "${CMAKE_INSTALL_DATADIR}/doc/batchcall")
install(TARGETS batchcall RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(FILES "${_pkg_dir}/batchcall.toml" DESTINATION "${CMAKE_INSTALL_FULL_SYSCONFDIR}/batchcall")
install(FILES "${_pkg_dir}/batchcall.service" DESTINATION "${BATCHCALL_SYSTEMD_UNIT_DIR}")
install(FILES "${_pkg_out}/batchcall.1.gz" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
install(FILES "${_pkg_dir}/debian/lintian-overrides" DESTINATION "${CMAKE_INSTALL_DATADIR}/lintian/overrides"
        RENAME batchcall)
install(FILES "${PROJECT_SOURCE_DIR}/README.md" "${_pkg_dir}/debian/copyright" "${_pkg_out}/changelog.Debian.gz"
        DESTINATION "${_doc_dir}")

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "batchcall")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "batchcall")
set(CPACK_PACKAGE_CONTACT "${BATCHCALL_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "batch calling engine with an HTTP API and a dashboard")
set(CPACK_PACKAGE_DESCRIPTION
    "batchcall places outbound phone calls for every contact of an uploaded CSV\n\
through a telephony provider or a voice agent, honouring calling hours,\n\
per-agent concurrency and rate limits, retries and a do-not-call list, and\n\
reports each call over its HTTP API, webhooks and a web dashboard. This\n\
package runs it as the systemd service batchcall under its own user, with\n\
its data in /var/lib/batchcall.")
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")
set(CPACK_DEBIAN_PACKAGE_RELEASE "${BATCHCALL_DEB_RELEASE}")
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, tzdata")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${_pkg_dir}/debian/postinst" "${_pkg_dir}/debian/prerm" "${_pkg_dir}/debian/postrm"
    "${_pkg_dir}/debian/conffiles")
include(CPack)
