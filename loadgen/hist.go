package loadgen

import (
	"math/bits"
	"time"
)

// Histogram counts durations in log-linear buckets, as HDR histograms do:
// exact below 128 ns, then 64 buckets per power of two (at most 1.6% error).
// Recording never allocates. The zero value is ready to use.
type Histogram struct {
	counts [histBuckets]uint64
	total  uint64
	max    int64
}

const (
	histSub     = 64                      // buckets per power of two
	histLinear  = 2 * histSub             // values below this are exact
	histBuckets = histLinear + 56*histSub // enough for any int64
)

// bucket returns the bucket index of v (in ns, v >= 0).
func bucket(v int64) int {
	if v < histLinear {
		if v < 0 {
			return 0
		}
		return int(v)
	}
	shift := bits.Len64(uint64(v)) - 7 // v>>shift is in [64, 128)
	return histLinear + (shift-1)*histSub + int(v>>shift) - histSub
}

// bucketValue returns the middle of bucket i.
func bucketValue(i int) int64 {
	if i < histLinear {
		return int64(i)
	}
	shift := (i-histLinear)/histSub + 1
	low := int64((i-histLinear)%histSub+histSub) << shift
	return low + (int64(1)<<shift)/2
}

// Record adds one duration.
func (h *Histogram) Record(d time.Duration) {
	v := int64(d)
	h.counts[bucket(v)]++
	h.total++
	if v > h.max {
		h.max = v
	}
}

// Count returns how many durations were recorded.
func (h *Histogram) Count() uint64 { return h.total }

// Max returns the longest duration recorded.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Quantile returns the duration below which the fraction q (0..1) of the
// recorded durations lie, or 0 if none were recorded.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(q*float64(h.total) + 0.5)
	if rank < 1 {
		rank = 1
	}
	if rank > h.total {
		rank = h.total
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			v := bucketValue(i)
			if v > h.max {
				v = h.max
			}
			return time.Duration(v)
		}
	}
	return time.Duration(h.max)
}

// Merge adds the counts of o to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
	if o.max > h.max {
		h.max = o.max
	}
}

// Reset forgets every recorded duration.
func (h *Histogram) Reset() { *h = Histogram{} }
