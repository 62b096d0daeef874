Set-Location -LiteralPath 'C:\'
& cmd.exe /c 'echo %PATH% & dir'
exit $LASTEXITCODE
