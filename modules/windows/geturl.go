package windows

import (
	"context"
	"fmt"

	"github.com/swarmbook/swarmbook/modules"
)

// getURLModule is win_get_url: download a file on the host, retrying like
// the seed's DownloadWithRetry (attempts with a growing pause). retries is
// swarmbook's addition (ansible.windows 1.14 has no such option); force=no
// keeps an existing dest as the POSIX get_url does, where ansible.windows
// compares Last-Modified dates.
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
// checksum, and copies it to dest when dest is missing or its checksum
// (checksum_algorithm, as checksum_dest) differs. In check mode it still
// downloads and compares, as ansible.windows' win_get_url does, but leaves
// dest alone. A dest directory gets the URL's file name. It prints
// {changed, status_code, dest, checksum_src, checksum_dest, size}.
func getURLScript(url, dest string, force bool, checksum, algo string, retries int, check, validate bool) string {
	return header + fmt.Sprintf(`$url = %s
$dest = %s
$force = %s
$check = %s
$expected = %s.Trim().ToLower()
$algorithm = %s
$retries = %d
if (Test-Path -LiteralPath $dest -PathType Container) {
    $uri = [System.Uri]$url
    $leaf = Split-Path -Path $uri.LocalPath -Leaf
    if ($uri.LocalPath -and $uri.LocalPath -ne '/' -and $leaf) { $dest = Join-Path -Path $dest -ChildPath $leaf }
    else { $dest = Join-Path -Path $dest -ChildPath $uri.Host }
}
$parent = Split-Path -Path $dest
if ($parent -and -not (Test-Path -LiteralPath $parent -PathType Container)) {
    throw "The path '$parent' does not exist for destination '$dest', or is not visible to the current user. Ensure download destination folder exists (perhaps using win_file state=directory) before win_get_url runs."
}
function Get-Sum([string]$Path) { (Get-FileHash -LiteralPath $Path -Algorithm $algorithm).Hash.ToLower() }
if ((Test-Path -LiteralPath $dest) -and -not $force) {
    Write-Output (ConvertTo-Json -Compress @{ changed = $false; status_code = 304; dest = $dest; checksum_dest = (Get-Sum $dest); size = (Get-Item -LiteralPath $dest).Length })
    exit 0
}
[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
if (-not %s) { [Net.ServicePointManager]::ServerCertificateValidationCallback = { $true } }
$tmp = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ([System.IO.Path]::GetRandomFileName())
$attempt = 0
while ($true) {
    $attempt++
    try {
        $response = Invoke-WebRequest -Uri $url -OutFile $tmp -UseBasicParsing -PassThru
        break
    } catch {
        if ($attempt -ge $retries) { throw "Error downloading '$url' to '$dest' after $attempt attempts: $($_.Exception.Message)" }
        Start-Sleep -Seconds ([Math]::Min(30, 2 * $attempt))
    }
}
try {
    $sum = Get-Sum $tmp
    if ($expected -ne '' -and $expected -ne $sum) {
        throw "The checksum for $url did not match '$expected', it was '$sum'"
    }
    $changed = $true
    if (Test-Path -LiteralPath $dest) { $changed = ((Get-Sum $dest) -ne $sum) }
    if ($changed -and -not $check) { Copy-Item -LiteralPath $tmp -Destination $dest -Force }
} finally {
    Remove-Item -LiteralPath $tmp -Force -ErrorAction SilentlyContinue
}
$result = @{ changed = $changed; status_code = [int]$response.StatusCode; dest = $dest; checksum_src = $sum }
if (Test-Path -LiteralPath $dest) {
    $result.checksum_dest = Get-Sum $dest
    $result.size = (Get-Item -LiteralPath $dest).Length
}
Write-Output (ConvertTo-Json -Compress $result)
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
		Changed     bool   `json:"changed"`
		Status      int    `json:"status_code"`
		Dest        string `json:"dest"`
		ChecksumSrc string `json:"checksum_src"`
		ChecksumDst string `json:"checksum_dest"`
		Size        *int64 `json:"size"`
	}
	url, dest := a.Str("url"), a.Str("dest")
	script := getURLScript(url, dest, a.Bool("force"), a.Str("checksum"), a.Str("checksum_algorithm"), retries, t.Check, a.Bool("validate_certs"))
	if err := query(ctx, t, script, &r); err != nil {
		return fail(err.Error(), map[string]any{"url": url, "dest": dest})
	}
	if r.Dest != "" {
		dest = r.Dest
	}
	f := map[string]any{"url": url, "dest": dest, "status_code": r.Status}
	if r.ChecksumSrc != "" {
		f["checksum_src"] = r.ChecksumSrc
	}
	if r.ChecksumDst != "" {
		f["checksum_dest"] = r.ChecksumDst
	}
	if r.Size != nil {
		f["size"] = *r.Size
	}
	return modules.Outcome{Changed: r.Changed, Fields: f}, nil
}
