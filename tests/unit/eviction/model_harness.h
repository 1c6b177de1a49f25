// Drives a policy and a reference model (plain std containers, written from the paper's
// pseudo-code) with the same random operations and checks that they name the same victims.
//
// A Model provides:
//   void Insert(const std::string& key);    a miss was filled
//   void Access(const std::string& key);    a hit
//   void Erase(const std::string& key);     DEL / expiry (not an eviction)
//   std::string Victim();                   the next victim (may move hands, promote, ...)
//   void Evicted(const std::string& key);   the victim was erased
// Replacements (a value moved to a new allocation) keep their place and are invisible to it.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <string>
#include <unordered_map>

#include "cairn/eviction/policy.h"
#include "entry_pool.h"
#include "resident_set.h"

namespace cairn::testing {

struct ModelRun {
  uint64_t seed = 1;
  int steps = 50'000;
  size_t max_resident = 40;
  // Share of inserts that bring back a recently evicted key (exercises ghosts).
  double reinsert_share = 0.3;
};

template <typename Model>
void RunAgainstModel(EvictionPolicy& policy, Model& model, const ModelRun& run) {
  EntryPool pool;
  ResidentSet resident;
  std::unordered_map<std::string, Entry*> by_key;
  std::deque<std::string> evicted;
  std::mt19937_64 rng(run.seed);
  uint64_t next_id = 0;
  auto insert = [&](const std::string& key) {
    Entry* e = pool.Make(key);
    policy.OnInsert(*e);
    model.Insert(key);
    resident.Add(e);
    by_key[key] = e;
  };
  for (int step = 0; step < run.steps; ++step) {
    uint64_t op = resident.size() < 3 ? 0 : rng() % 10;
    if (resident.size() >= run.max_resident) op = 9;
    if (op <= 2) {
      std::string key;
      std::uniform_real_distribution<double> u(0, 1);
      if (!evicted.empty() && u(rng) < run.reinsert_share) {
        size_t i = rng() % evicted.size();
        key = evicted[i];
        evicted.erase(evicted.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        key = "k" + std::to_string(next_id++);
      }
      insert(key);
    } else if (op <= 5) {
      Entry* e = resident.Random(rng);
      pool.Touch(policy, *e, kT0);
      model.Access(std::string(e->key()));
    } else if (op == 6) {
      Entry* e = resident.Random(rng);
      std::string key(e->key());
      policy.OnErase(*e);
      model.Erase(key);
      resident.Remove(e);
      by_key.erase(key);
    } else if (op == 7) {
      Entry* old = resident.Random(rng);
      Entry* fresh = pool.Replace(policy, *old);
      resident.Remove(old);
      resident.Add(fresh);
      by_key[std::string(fresh->key())] = fresh;
    } else {
      Entry* v = policy.PickVictim(kT0);
      ASSERT_NE(v, nullptr) << "step " << step;
      std::string key(v->key());
      ASSERT_EQ(key, model.Victim()) << "step " << step;
      ASSERT_EQ(by_key.at(key), v);
      policy.OnErase(*v);
      model.Evicted(key);
      resident.Remove(v);
      by_key.erase(key);
      evicted.push_back(key);
      if (evicted.size() > 64) evicted.pop_front();
    }
  }
}

}  // namespace cairn::testing
