$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$url = 'https://download.docker.com/win/static/stable/x86_64/docker-24.0.7.zip'
$dest = 'C:\Temp\docker.zip'
$force = $false
$check = $false
$expected = 'abc'
$algorithm = 'sha256'
$retries = 5
if ((Test-Path -LiteralPath $dest) -and -not $force) {
    Write-Output '{"changed":false,"status_code":304}'
    exit 0
}
if ($check) {
    Write-Output (ConvertTo-Json -Compress @{ changed = -not (Test-Path -LiteralPath $dest); status_code = 200 })
    exit 0
}
[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
if (-not $true) { [Net.ServicePointManager]::ServerCertificateValidationCallback = { $true } }
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
