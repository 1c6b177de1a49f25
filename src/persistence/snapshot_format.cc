#include "snapshot_format.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace cairn::snapshot_format {

uint64_t FrameChecksum(const char* frame, size_t len, uint64_t frame_index) {
  return XXH3_64bits_withSeed(frame, len, frame_index);
}

}  // namespace cairn::snapshot_format
