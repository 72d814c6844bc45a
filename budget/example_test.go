package budget_test

import (
	"fmt"
	"time"

	"github.com/lifelinehq/lifeline/budget"
)

// A budget of one retry per five first attempts, with a floor of one retry
// per second. A new bucket is full: ten retries can go at once, then
// retries wait for first attempts or for the floor to refill.
func ExampleBucket() {
	c := budget.Config{Ratio: 0.2, MinPerSecond: 1}
	start := time.Date(2026, 8, 21, 12, 0, 0, 0, time.UTC)

	var b budget.Bucket
	n := 0
	for b.Withdraw(c, start) {
		n++
	}
	fmt.Println("burst:", n)

	for range 5 {
		b.Deposit(c, start)
	}
	fmt.Println("after 5 first attempts:", b.Withdraw(c, start))
	fmt.Println("one more:", b.Withdraw(c, start))
	fmt.Println("a second later:", b.Withdraw(c, start.Add(time.Second)))
	// Output:
	// burst: 10
	// after 5 first attempts: true
	// one more: false
	// a second later: true
}
