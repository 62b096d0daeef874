$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$null = New-Item -Path 'C:\ProgramData\docker' -ItemType Directory -Force
