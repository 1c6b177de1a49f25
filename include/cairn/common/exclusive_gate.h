// ExclusiveGate: the server-wide reader/writer gate that makes EXEC atomic.
//
// Design. Every command that touches the keyspace runs inside the gate *shared*; EXEC runs
// inside it *exclusive*, so no other command (on any I/O thread) runs between two commands of a
// transaction, whichever shards their keys live in. The alternatives were to lock the shards of
// all the transaction's keys up front (Dragonfly's multi-hop transactions, which needs every
// cache operation to exist in a "shard already locked" form and the keys of every command known
// before it runs: a rewrite of the cache API) or a plain std::shared_mutex (one atomic RMW on a
// cache line shared by every I/O thread, per command). This is a "big-reader" lock instead:
//
//   shared:    slot[t].fetch_add(1); if (!writer) enter;  else undo and wait for the writer.
//   exclusive: CAS writer false -> true; wait until every slot is 0.
//
// Each thread counts in its own cache-line-sized slot (threads are spread over kSlots slots
// round-robin), so the shared path is one uncontended RMW on a line the thread already owns plus
// one load of a read-mostly flag: a few nanoseconds, no cache-line ping-pong between I/O threads.
// Both sides use sequentially consistent operations (a Dekker handshake): a reader either sees
// the writer's flag or the writer sees the reader's count. Exclusive sections are expected to be
// short (a transaction's commands); a waiting thread sleeps on a futex (std::atomic::wait on an
// epoch that Unlock bumps). A script that runs past busy-reply-threshold marks the gate busy:
// waiters are then refused (the dispatcher answers -BUSY) instead of sleeping.
//
// Use it through the guards below, which are reentrant: a thread that already holds the gate
// (either way) passes through them (a transaction's commands run inside EXEC's exclusive hold;
// SAVE's snapshot capture inside the command's shared hold). Taking the gate shared twice would
// deadlock against a waiting writer, and upgrading shared to exclusive is not supported (EXEC and
// scripts take it at the top level only).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace cairn {

class ExclusiveGate;

// Per thread: which gate the thread holds through a guard (the outermost guard releases it),
// and its reader slot (assigned on first use). Constant-initialised: no TLS guard on the hot
// path.
struct GateThread {
  const ExclusiveGate* held = nullptr;
  uint32_t slot = UINT32_MAX;
  bool exclusive = false;  // `held` is held exclusively
};
inline thread_local GateThread t_gate_thread;

class ExclusiveGate {
 public:
  static constexpr uint32_t kSlots = 32;
  struct alignas(64) Slot {
    std::atomic<uint32_t> readers{0};
  };

  // Returns the slot to pass to UnlockShared, or nullptr when the exclusive holder is a script
  // that has run past busy-reply-threshold (SetBusy): the caller answers -BUSY instead of waiting.
  Slot* LockShared() {
    uint32_t& index = t_gate_thread.slot;
    if (index == UINT32_MAX) [[unlikely]] {
      index = next_slot_.fetch_add(1, std::memory_order_relaxed) % kSlots;
    }
    Slot& s = slots_[index];
    for (;;) {
      s.readers.fetch_add(1, std::memory_order_seq_cst);
      if (!writer_.load(std::memory_order_seq_cst)) [[likely]] {
        return &s;
      }
      UnlockShared(s);
      if (!WaitForWriter()) return nullptr;
    }
  }
  void UnlockShared(Slot& s) {
    // The writer waits on this slot's count: wake it when the last reader of the slot leaves.
    if (s.readers.fetch_sub(1, std::memory_order_seq_cst) == 1 &&
        writer_.load(std::memory_order_seq_cst)) [[unlikely]] {
      s.readers.notify_all();
    }
  }

  // Exclusive: false (not taken) when a busy script holds the gate, as for LockShared.
  bool Lock() {
    for (;;) {
      bool expected = false;
      if (writer_.compare_exchange_strong(expected, true, std::memory_order_seq_cst)) break;
      if (!WaitForWriter()) return false;
    }
    for (Slot& s : slots_) {
      for (uint32_t n = s.readers.load(std::memory_order_seq_cst); n != 0;
           n = s.readers.load(std::memory_order_seq_cst)) {
        s.readers.wait(n, std::memory_order_seq_cst);
      }
    }
    return true;
  }
  void Unlock() {
    busy_.store(false, std::memory_order_seq_cst);
    writer_.store(false, std::memory_order_seq_cst);
    Wake();
  }

  // The exclusive holder (a script) has run past busy-reply-threshold: from now until Unlock,
  // threads that would wait for the gate are refused instead (-BUSY), as in Redis.
  void SetBusy() {
    busy_.store(true, std::memory_order_seq_cst);
    Wake();
  }
  bool busy() const { return busy_.load(std::memory_order_relaxed); }
  // True while an exclusive section runs or waits to run (tests).
  bool exclusive() const { return writer_.load(std::memory_order_relaxed); }
  // Whether this thread holds the gate through a guard (exclusively: inside EXEC or a script).
  bool HeldByThisThread() const { return t_gate_thread.held == this; }
  bool HeldExclusivelyByThisThread() const {
    return t_gate_thread.held == this && t_gate_thread.exclusive;
  }

 private:
  // Sleeps until the exclusive holder leaves (or turns busy); false when it is busy.
  bool WaitForWriter() {
    const uint32_t e = epoch_.load(std::memory_order_seq_cst);
    if (busy_.load(std::memory_order_seq_cst)) return false;
    if (writer_.load(std::memory_order_seq_cst)) epoch_.wait(e, std::memory_order_seq_cst);
    return true;
  }
  void Wake() {
    epoch_.fetch_add(1, std::memory_order_seq_cst);
    epoch_.notify_all();
  }

  Slot slots_[kSlots];
  alignas(64) std::atomic<bool> writer_{false};
  std::atomic<bool> busy_{false};
  std::atomic<uint32_t> next_slot_{0};
  alignas(64) std::atomic<uint32_t> epoch_{0};  // bumped by Unlock and SetBusy: waiters wake
};

// The one way to hold the gate: shared or exclusive, reentrant per thread (a thread that already
// holds this gate passes through; it must then hold it exclusively if it asks for exclusive,
// see the note above). A null gate holds nothing.
class GateGuard {
 public:
  enum class Mode : uint8_t { kShared, kExclusive };
  GateGuard(ExclusiveGate* gate, Mode mode) {
    if (gate == nullptr) return;
    GateThread& t = t_gate_thread;
    if (t.held == gate) return;  // nested: the outer guard holds it
    if (mode == Mode::kExclusive) {
      if (!gate->Lock()) {
        busy_ = true;
        return;
      }
    } else {
      slot_ = gate->LockShared();
      if (slot_ == nullptr) {
        busy_ = true;
        return;
      }
    }
    t.held = gate;
    t.exclusive = mode == Mode::kExclusive;
    gate_ = gate;
  }
  // Refused: a script past busy-reply-threshold holds the gate (the caller answers -BUSY).
  bool busy() const { return busy_; }
  ~GateGuard() {
    if (gate_ == nullptr) return;
    t_gate_thread.held = nullptr;
    t_gate_thread.exclusive = false;
    if (slot_ != nullptr) {
      gate_->UnlockShared(*slot_);
    } else {
      gate_->Unlock();
    }
  }
  GateGuard(const GateGuard&) = delete;
  GateGuard& operator=(const GateGuard&) = delete;

 private:
  ExclusiveGate* gate_ = nullptr;        // null: nested or no gate, nothing to release
  ExclusiveGate::Slot* slot_ = nullptr;  // shared: the slot to release; null: exclusive
  bool busy_ = false;
};

}  // namespace cairn
