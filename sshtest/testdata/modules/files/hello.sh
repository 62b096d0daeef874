#!/bin/sh
echo "script arg: $1"
echo "from script" > "$1"
