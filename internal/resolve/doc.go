// Package resolve turns a fleet file and a catalog into a resolved fleet:
// for every machine, its profile, the features it has and why, every
// setting's value and where that value came from, its packages and ports.
//
// Resolution goes profile -> features -> requires closure (auto-enabled,
// with the reason kept) and layers settings catalog default < value derived
// from hardware < fleet defaults < profile < service option < machine. A
// service option ([services.backup] schedule = "daily") is the value of a
// setting of the feature the service's role brings (backup-client.schedule)
// on every machine with that feature; ServiceOptions lists them. References
// that do not resolve (unknown profile, feature, setting) and values that do
// not fit a setting's type are reported as diagnostics; rules about the
// resolved result (conflicts, hardware, fleet-wide checks) belong to package
// validate.
//
// A resolved Fleet is immutable: nothing changes it after Resolve returns,
// and readers must not either.
package resolve
