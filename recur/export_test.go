package recur

// PeriodsLooked is how many schedule periods the package has looked at so far, the measure of its work.
func PeriodsLooked() int64 { return periodsLooked.Load() }
