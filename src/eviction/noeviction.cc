#include "noeviction.h"

namespace cairn {

void NoEvictionPolicy::OnInsert(Entry& /*e*/) {}
void NoEvictionPolicy::OnAccess(Entry& /*e*/) {}
void NoEvictionPolicy::OnErase(Entry& /*e*/) {}
void NoEvictionPolicy::OnReplace(Entry& /*old*/, Entry& /*fresh*/) {}
Entry* NoEvictionPolicy::PickVictim(uint32_t /*now_s*/) { return nullptr; }
void NoEvictionPolicy::Clear() {}

std::unique_ptr<EvictionPolicy> MakeNoEvictionPolicy() {
  return std::make_unique<NoEvictionPolicy>();
}

}  // namespace cairn
