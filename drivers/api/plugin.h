// The entry points of an out-of-tree driver built as a shared object (issue 21):
// kotona_driver_target() (cmake/KotonaDriverSdkConfig.cmake.in) generates them around the
// driver's descriptor(), and drivers/registry/plugins.h loads them. DriverDescriptor, sessions
// and Readings cross the boundary as C++ types, so the ABI string must match the hub's: same
// Kotona release, same compiler. Constant data; thread-safe.
#pragma once

#include "drivers/api/descriptor.h"

// Bump the number when DriverDescriptor, DeviceSession, Step, Reading or the kind table change.
#define KOTONA_DRIVER_PLUGIN_ABI_VERSION "3"  // 2: Step::skipped; 3: DriverDescriptor::kind
#define KOTONA_DRIVER_PLUGIN_ABI \
  "kotona-driver-abi-" KOTONA_DRIVER_PLUGIN_ABI_VERSION " " __VERSION__
#define KOTONA_DRIVER_PLUGIN_EXPORT __attribute__((visibility("default")))

extern "C" {
// KOTONA_DRIVER_PLUGIN_ABI as the plugin was compiled.
using KotonaDriverPluginAbi = const char* (*)();
// The plugin's driver: its descriptor(), alive as long as the plugin is loaded.
using KotonaDriverPluginDescriptor = const kotona::drivers::DriverDescriptor* (*)();
}
