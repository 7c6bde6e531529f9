//go:build !unix

package server

// lockDir does not lock where flock is missing: ward serve targets Unix
// systems, and this keeps the package building elsewhere. Run one ward
// serve per data folder.
func lockDir(dir string) (release func() error, err error) {
	return func() error { return nil }, nil
}
