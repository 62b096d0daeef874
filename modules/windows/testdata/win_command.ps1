Set-Location -LiteralPath 'C:\Temp'
$input | & 'C:\Program Files\Docker\docker.exe' 'swarm' 'join' '--token' 'x'
exit $LASTEXITCODE
