$env:A = 'it''s $x `y'
$env:B = '‘‘q’’'
Set-Location -LiteralPath 'C:\it''s dir'
