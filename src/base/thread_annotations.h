// Clang thread-safety annotations (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html)
// and Mutex / MutexLock, a std::mutex the analysis can see (libstdc++'s
// std::mutex carries no annotations).
//
// With clang and -Wthread-safety (the BATCHCALL_THREAD_SAFETY build, part of
// scripts/test) the compiler checks that every GUARDED_BY member is touched
// only with its mutex held; with GCC the macros expand to nothing.
//
// Mutex and MutexLock are thread-safe in the sense of std::mutex.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#if defined(__clang__)
#define BC_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define BC_THREAD_ANNOTATION(x)
#endif

// On a class: objects of it are a capability (a lock) named `x` in messages.
#define CAPABILITY(x) BC_THREAD_ANNOTATION(capability(x))
// On an RAII class that acquires a capability in its constructor and
// releases it in its destructor.
#define SCOPED_CAPABILITY BC_THREAD_ANNOTATION(scoped_lockable)
// On a member: read or written only with `x` held.
#define GUARDED_BY(x) BC_THREAD_ANNOTATION(guarded_by(x))
// On a pointer member: the pointee is read or written only with `x` held.
#define PT_GUARDED_BY(x) BC_THREAD_ANNOTATION(pt_guarded_by(x))
// On a function: the caller must hold the capabilities.
#define REQUIRES(...) BC_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
// On a function: the caller must not hold the capabilities (it takes them).
#define EXCLUDES(...) BC_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
// On a function: acquires / releases the capabilities (this object's when empty).
#define ACQUIRE(...) BC_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) BC_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) BC_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) BC_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
// On a function: returns a reference to the capability `x`.
#define RETURN_CAPABILITY(x) BC_THREAD_ANNOTATION(lock_returned(x))
// On a function: the analysis does not look inside (keep to a few lines, say why).
#define NO_THREAD_SAFETY_ANALYSIS BC_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace batchcall {

// A std::mutex with annotations. Lock it with MutexLock.
class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }

 private:
  friend class MutexLock;
  std::mutex mu_;
};

// Holds a Mutex for its scope; waits on condition variables with it.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : lock_(mu.mu_) {}
  ~MutexLock() RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // Releases the mutex while waiting on `cv`, holds it again on return.
  // Wakes spuriously too: callers loop on their condition (written in the
  // caller's scope, where the analysis sees the mutex held).
  void Wait(std::condition_variable& cv) { cv.wait(lock_); }
  // As Wait, until `deadline` at the latest; false when it passed.
  bool WaitUntil(std::condition_variable& cv, std::chrono::steady_clock::time_point deadline) {
    return cv.wait_until(lock_, deadline) == std::cv_status::no_timeout;
  }

 private:
  std::unique_lock<std::mutex> lock_;
};

// A std::shared_mutex with annotations: many readers (ReaderMutexLock) or
// one writer (WriterMutexLock).
class CAPABILITY("shared mutex") SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  void LockShared() ACQUIRE_SHARED() { mu_.lock_shared(); }
  void UnlockShared() RELEASE_SHARED() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

class SCOPED_CAPABILITY ReaderMutexLock {
 public:
  explicit ReaderMutexLock(SharedMutex& mu) ACQUIRE_SHARED(mu) : mu_(mu) { mu_.LockShared(); }
  ~ReaderMutexLock() RELEASE() { mu_.UnlockShared(); }
  ReaderMutexLock(const ReaderMutexLock&) = delete;
  ReaderMutexLock& operator=(const ReaderMutexLock&) = delete;

 private:
  SharedMutex& mu_;
};

class SCOPED_CAPABILITY WriterMutexLock {
 public:
  explicit WriterMutexLock(SharedMutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~WriterMutexLock() RELEASE() { mu_.Unlock(); }
  WriterMutexLock(const WriterMutexLock&) = delete;
  WriterMutexLock& operator=(const WriterMutexLock&) = delete;

 private:
  SharedMutex& mu_;
};

}  // namespace batchcall
