// Giving freed heap memory back to the operating system.
#pragma once

namespace batchcall {

// Returns the free memory of every malloc arena to the system (glibc's
// malloc_trim; nothing elsewhere). glibc keeps what a thread freed in that
// thread's arena for reuse, so after a big upload the process would stay at
// its peak (issue 15: 240 MB after five 1M-row uploads). Costs a few
// milliseconds: call it after big, rare work, never per request.
void ReturnFreeMemory();

// For the server, before any thread starts: allocations of 1 MiB and more
// get pages of their own (mmap), returned when freed, unless
// MALLOC_MMAP_THRESHOLD_ is set in the environment. glibc otherwise raises
// that threshold to the largest block freed so far, so after one big upload
// the next upload's big buffers come from the arenas and stay there.
// Measured (five 1M-row uploads, ReturnFreeMemory after each): RSS 128 MB
// with glibc's defaults, 37 MB with this; one arena for all threads gave 30
// MB but cost the engine a quarter of its rate under HTTP load.
void SetMallocForServer();

}  // namespace batchcall
