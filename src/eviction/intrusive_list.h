// IntrusiveList: a doubly linked list threaded through Entry::prev / Entry::next, the building
// block of every ordered policy (the LRU list, the FIFO queue, each LFU frequency bucket).
//
// Front is the cold end (next victim), back the hot end. Links are null-terminated (no sentinel),
// so an empty list is two null pointers and Clear() is O(1): entries keep stale links, which is
// fine because the next OnInsert overwrites them. Every operation is O(1) and allocation-free.
// The list does not own entries and does not count its size (policies do not need it).
#pragma once

#include <cassert>

#include "cairn/cache/entry.h"

namespace cairn::eviction {

class IntrusiveList {
 public:
  bool empty() const { return head_ == nullptr; }
  Entry* front() const { return head_; }
  Entry* back() const { return tail_; }

  void PushBack(Entry& e) {
    e.prev = tail_;
    e.next = nullptr;
    if (tail_ != nullptr) {
      tail_->next = &e;
    } else {
      head_ = &e;
    }
    tail_ = &e;
  }

  void PushFront(Entry& e) {
    e.prev = nullptr;
    e.next = head_;
    if (head_ != nullptr) {
      head_->prev = &e;
    } else {
      tail_ = &e;
    }
    head_ = &e;
  }

  // `e` must be on this list.
  void Remove(Entry& e) {
    assert(e.prev != nullptr ? e.prev->next == &e : head_ == &e);
    assert(e.next != nullptr ? e.next->prev == &e : tail_ == &e);
    if (e.prev != nullptr) {
      e.prev->next = e.next;
    } else {
      head_ = e.next;
      // Removing the head is how queue-ordered policies evict: the next eviction unlinks the new
      // head and writes its successor, a cold entry; start loading it now.
      if (e.next != nullptr && e.next->next != nullptr) __builtin_prefetch(e.next->next, 1);
    }
    if (e.next != nullptr) {
      e.next->prev = e.prev;
    } else {
      tail_ = e.prev;
    }
    e.prev = e.next = nullptr;
  }

  // `fresh` (not on any list) takes the exact position of `old` (on this list).
  void Replace(Entry& old, Entry& fresh) {
    fresh.prev = old.prev;
    fresh.next = old.next;
    if (old.prev != nullptr) {
      old.prev->next = &fresh;
    } else {
      head_ = &fresh;
    }
    if (old.next != nullptr) {
      old.next->prev = &fresh;
    } else {
      tail_ = &fresh;
    }
    old.prev = old.next = nullptr;
  }

  // `e` must be on this list; moves it to the hot end.
  void MoveToBack(Entry& e) {
    if (tail_ == &e) return;
    Remove(e);
    PushBack(e);
  }

  void Clear() { head_ = tail_ = nullptr; }

 private:
  Entry* head_ = nullptr;
  Entry* tail_ = nullptr;
};

}  // namespace cairn::eviction
