$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$utf8 = New-Object System.Text.UTF8Encoding $false
[Console]::OutputEncoding = $utf8
$stdin = [Console]::OpenStandardInput()
$buffer = New-Object System.IO.MemoryStream
$stdin.CopyTo($buffer)
$bytes = $buffer.ToArray()
$newline = [Array]::IndexOf($bytes, [byte]10)
$length = [int]$utf8.GetString($bytes, 0, $newline)
$script = $utf8.GetString($bytes, $newline + 1, $length)
$restStart = $newline + 1 + $length
$rest = $utf8.GetString($bytes, $restStart, $bytes.Length - $restStart)
$block = [ScriptBlock]::Create($script)
$global:LASTEXITCODE = 0
try {
    if ($rest.Length -gt 0) { $rest | & $block } else { & $block }
} catch {
    [Console]::Error.WriteLine(($_ | Out-String))
    exit 1
}
exit $LASTEXITCODE
