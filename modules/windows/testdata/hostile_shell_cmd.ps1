Set-Location -LiteralPath 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share'
& cmd.exe /c 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share'
exit $LASTEXITCODE
