function Swarmbook-PutChunk {
    param([string]$Path, [string]$Data, [string]$Mode)
    $bytes = [Convert]::FromBase64String($Data)
    $fileMode = [IO.FileMode]::Append
    if ($Mode -eq 'Create') { $fileMode = [IO.FileMode]::Create }
    $fs = [IO.File]::Open($Path, $fileMode, [IO.FileAccess]::Write)
    try { $fs.Write($bytes, 0, $bytes.Length) } finally { $fs.Dispose() }
}
function Swarmbook-PutCommit {
    param([string]$Temp, [string]$Path, [string]$Checksum)
    $actual = (Get-FileHash -LiteralPath $Temp -Algorithm SHA256).Hash
    if ($actual -ne $Checksum) {
        Remove-Item -LiteralPath $Temp -Force
        throw "checksum mismatch for ${Path}: expected $Checksum, got $actual"
    }
    Move-Item -LiteralPath $Temp -Destination $Path -Force
}
function Swarmbook-GetChunk {
    param([string]$Path, [long]$Offset, [int]$Count)
    $fs = [IO.File]::Open($Path, [IO.FileMode]::Open, [IO.FileAccess]::Read, [IO.FileShare]::ReadWrite)
    try {
        $null = $fs.Seek($Offset, [IO.SeekOrigin]::Begin)
        $buf = New-Object byte[] $Count
        $n = 0
        while ($n -lt $Count) {
            $r = $fs.Read($buf, $n, $Count - $n)
            if ($r -le 0) { break }
            $n += $r
        }
        [Console]::Out.Write([Convert]::ToBase64String($buf, 0, $n))
    } finally { $fs.Dispose() }
}
function Swarmbook-FileInfo {
    param([string]$Path)
    if (Test-Path -LiteralPath $Path -PathType Leaf) {
        $item = Get-Item -LiteralPath $Path
        $hash = (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash
        Write-Output (@{ exists = $true; size = $item.Length; sha256 = $hash } | ConvertTo-Json -Compress)
    } else {
        Write-Output '{"exists":false}'
    }
}
Swarmbook-FileInfo -Path 'C:\Temp\it''s'
