package wintest

import (
	"os"
	"testing"

	"github.com/swarmbook/swarmbook/runner/transport/winrm/winrmtest"
)

// TestMain lets the test binary act as the PowerShell stand-in that the
// WinRM test server starts (TestStandInPing).
func TestMain(m *testing.M) {
	winrmtest.StandInMain()
	os.Exit(m.Run())
}
