package redis

import "testing"

// The cluster's key hash: the check value of CRC16-XMODEM, and tags found
// for ranges down to a single slot.
func TestSlotTags(t *testing.T) {
	if got := crc16("123456789"); got != 0x31c3 {
		t.Fatalf("crc16(123456789) = %#x, want 0x31c3", got)
	}
	for _, r := range [][2]int{{0, 16383}, {0, 5460}, {5461, 10922}, {10923, 16383}, {0, 0}, {16383, 16383}, {777, 777}} {
		tag := tagInSlots(r[0], r[1])
		if sl := int(crc16(tag) % clusterSlots); sl < r[0] || sl > r[1] {
			t.Errorf("tag %q for slots %d-%d has slot %d", tag, r[0], r[1], sl)
		}
	}
}
