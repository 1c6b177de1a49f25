// Status and Result<T> live in cairn/common/status.h (one status type with its message, shared by
// the cache and the persistence layer); this header is kept for the persistence includes.
#pragma once

#include "cairn/common/status.h"
