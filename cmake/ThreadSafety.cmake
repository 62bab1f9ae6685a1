# The Clang thread-safety check (BATCHCALL_THREAD_SAFETY=ON; the
# `thread-safety` preset, part of scripts/test): every source of the libraries
# in BATCHCALL_THREAD_SAFETY_TARGETS (those whose lock-protected members carry
# base/thread_annotations.h annotations) is compiled by clang with
# -Wthread-safety -Werror, syntax only (no object files, nothing linked), so
# the check costs seconds. Add a library here once its mutexes are annotated.
set(BATCHCALL_THREAD_SAFETY_TARGETS bc_engine_window bc_engine)

set(_ts_sources "")
foreach(_ts_target IN LISTS BATCHCALL_THREAD_SAFETY_TARGETS)
  get_target_property(_ts_dir ${_ts_target} SOURCE_DIR)
  get_target_property(_ts_target_sources ${_ts_target} SOURCES)
  foreach(_ts_source IN LISTS _ts_target_sources)
    if(NOT IS_ABSOLUTE ${_ts_source})
      set(_ts_source ${_ts_dir}/${_ts_source})
    endif()
    list(APPEND _ts_sources ${_ts_source})
  endforeach()
endforeach()

add_library(bc_thread_safety_check OBJECT EXCLUDE_FROM_ALL ${_ts_sources})
# -fsyntax-only: clang runs the analysis and writes no object file.
target_compile_options(bc_thread_safety_check PRIVATE -fsyntax-only)
set_target_properties(bc_thread_safety_check PROPERTIES UNITY_BUILD OFF)
foreach(_ts_target IN LISTS BATCHCALL_THREAD_SAFETY_TARGETS)
  # The libraries' include directories and definitions, their dependencies'
  # included (transitive), without building or linking those dependencies.
  target_include_directories(bc_thread_safety_check PRIVATE $<TARGET_PROPERTY:${_ts_target},INCLUDE_DIRECTORIES>)
  target_compile_definitions(bc_thread_safety_check PRIVATE $<TARGET_PROPERTY:${_ts_target},COMPILE_DEFINITIONS>)
endforeach()
add_custom_target(thread_safety DEPENDS bc_thread_safety_check)
