$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$url = 'https://download.docker.com/win/static/stable/x86_64/docker-24.0.7.zip'
$dest = 'C:\Temp\docker.zip'
$force = $false
$check = $false
$expected = 'abc'.Trim().ToLower()
$algorithm = 'sha256'
$retries = 5
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
if (-not $true) { [Net.ServicePointManager]::ServerCertificateValidationCallback = { $true } }
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
