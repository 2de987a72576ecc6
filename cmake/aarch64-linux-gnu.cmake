# Cross-building waot for aarch64 Linux on a Debian x86_64 machine, with Debian's
# gcc-aarch64-linux-gnu and the arm64 multiarch -dev packages (libjansson-dev:arm64,
# libssl-dev:arm64, libseccomp-dev:arm64; `make test-aarch64` installs them):
#   cmake -S . -B build-a64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
#         -DWAOT_WITH_COMPILER=OFF
# Multiarch puts the arm64 libraries in /usr/lib/aarch64-linux-gnu and their
# architecture-specific headers in /usr/include/aarch64-linux-gnu, both on the cross gcc's
# default search paths, so no sysroot is needed: CMake only has to look in the arm64
# library folder and never in the host's. The result runs on aarch64 hardware or under
# qemu-aarch64-static. Run it there WITHOUT -L/QEMU_LD_PREFIX=/usr/aarch64-linux-gnu: the
# arm64 multiarch packages bring libc6:arm64, whose ld.so (/lib/ld-linux-aarch64.so.1) must
# load its own libc.so.6; the cross toolchain's ld.so in /usr/aarch64-linux-gnu would pick up
# that same multiarch libc.so.6, a slightly different glibc build, and the mix hangs in fork().
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# Programs (llvm-config, protoc-c) are host tools; libraries and headers are the target's.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config must describe arm64 packages, not the host's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)

# Tests built by the tree (unit tests, probes) run under qemu when ctest starts them.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static)
