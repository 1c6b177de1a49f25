// The prometheus::Collectable behind /metrics: builds every family from a MetricsSource on each
// scrape. Internal to the observability module.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <vector>

#include "cairn/observability/metrics_source.h"

namespace cairn {

class MetricsCollector final : public prometheus::Collectable {
 public:
  explicit MetricsCollector(MetricsSource source) : source_(std::move(source)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;
  const MetricsSource& source() const { return source_; }

  // Upper bounds (seconds) of cairn_command_duration_seconds' buckets (+Inf is implied).
  static const std::vector<double>& DurationBuckets();

 private:
  const MetricsSource source_;
};

}  // namespace cairn
