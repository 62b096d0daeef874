package windows

import (
	"context"
	"fmt"

	"github.com/swarmbook/swarmbook/modules"
)

// getURLModule is win_get_url: download a file on the host, retrying like
// the seed's DownloadWithRetry (attempts with a growing pause).
type getURLModule struct{}

func (getURLModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "url", Kind: modules.KindStr, Required: true},
		{Name: "dest", Kind: modules.KindStr, Required: true},
		{Name: "force", Kind: modules.KindBool, Default: true},
		{Name: "checksum", Kind: modules.KindStr},
		{Name: "checksum_algorithm", Kind: modules.KindStr, Default: "sha1", Choices: []string{"md5", "sha1", "sha256", "sha384", "sha512"}},
		{Name: "validate_certs", Kind: modules.KindBool, Default: true},
		{Name: "retries", Kind: modules.KindInt, Default: 5},
	}}
}

// getURLScript downloads url to a temporary file with retries, checks the
// checksum, and moves it into place when it differs from dest. It prints
// {changed, status_code, checksum_dest}. With check set it only reports
// whether dest is missing.
func getURLScript(url, dest string, force bool, checksum, algo string, retries int, check, validate bool) string {
	return header + fmt.Sprintf(`$url = %s
$dest = %s
$force = %s
$check = %s
$expected = %s
$algorithm = %s
$retries = %d
if ((Test-Path -LiteralPath $dest) -and -not $force) {
    Write-Output '{"changed":false,"status_code":304}'
    exit 0
}
if ($check) {
    Write-Output (ConvertTo-Json -Compress @{ changed = -not (Test-Path -LiteralPath $dest); status_code = 200 })
    exit 0
}
[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
if (-not %s) { [Net.ServicePointManager]::ServerCertificateValidationCallback = { $true } }
$tmp = "$dest.swarmbook-download"
$attempt = 0
while ($true) {
    $attempt++
    try {
        $response = Invoke-WebRequest -Uri $url -OutFile $tmp -UseBasicParsing -PassThru
        break
    } catch {
        if ($attempt -ge $retries) { throw "download of $url failed after $attempt attempts: $($_.Exception.Message)" }
        Start-Sleep -Seconds ([Math]::Min(30, 2 * $attempt))
    }
}
if ($expected -ne '') {
    $actual = (Get-FileHash -LiteralPath $tmp -Algorithm $algorithm).Hash
    if ($actual -ne $expected) {
        Remove-Item -LiteralPath $tmp -Force
        throw "The checksum for $url did not match $expected, it was $actual"
    }
}
$sum = (Get-FileHash -LiteralPath $tmp -Algorithm SHA1).Hash.ToLower()
$changed = $true
if (Test-Path -LiteralPath $dest) {
    $changed = ((Get-FileHash -LiteralPath $dest -Algorithm SHA1).Hash.ToLower() -ne $sum)
}
if ($changed) { Move-Item -LiteralPath $tmp -Destination $dest -Force } else { Remove-Item -LiteralPath $tmp -Force }
Write-Output (ConvertTo-Json -Compress @{ changed = $changed; status_code = [int]$response.StatusCode; checksum_dest = $sum })
`, q(url), q(dest), psBool(force), psBool(check), q(checksum), q(algo), retries, psBool(validate))
}

func (getURLModule) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	if err := needPowerShell(t, "win_get_url"); err != nil {
		return fail(err.Error(), nil)
	}
	retries := a.Int("retries")
	if retries < 1 {
		retries = 1
	}
	var r struct {
		Changed  bool   `json:"changed"`
		Status   int    `json:"status_code"`
		Checksum string `json:"checksum_dest"`
	}
	url, dest := a.Str("url"), a.Str("dest")
	script := getURLScript(url, dest, a.Bool("force"), a.Str("checksum"), a.Str("checksum_algorithm"), retries, t.Check, a.Bool("validate_certs"))
	if err := query(ctx, t, script, &r); err != nil {
		return fail(err.Error(), map[string]any{"url": url, "dest": dest})
	}
	f := map[string]any{"url": url, "dest": dest, "status_code": r.Status}
	if r.Checksum != "" {
		f["checksum_dest"] = r.Checksum
	}
	return modules.Outcome{Changed: r.Changed, Fields: f}, nil
}
