#!/bin/sh
# A data file removed while a run trains: the data is in memory, so the run
# finishes; a resume that needs the file again fails, naming it.
. "${top_srcdir:-.}/tests/tap.sh"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME

# IDX files of N random 28x28 images and labels 0..9 in turn
N=400
idx_images() { # FILE
	{ printf '\000\000\010\003\000\000\001\220\000\000\000\034\000\000\000\034'
	  head -c $((N * 784)) /dev/urandom; } > "$1"
}
idx_labels() { # FILE
	{ printf '\000\000\010\001\000\000\001\220'
	  i=0; while [ $i -lt $N ]; do printf "\\0$(printf %o $((i % 10)))"; i=$((i + 1)); done
	} > "$1"
}
idx_images "$scratch/train-images"; idx_labels "$scratch/train-labels"
idx_images "$scratch/test-images"; idx_labels "$scratch/test-labels"
cat > "$scratch/idx.yaml" <<YAML
name: removed
data: {source: idx, train_images: $scratch/train-images, train_labels: $scratch/train-labels,
       test_images: $scratch/test-images, test_labels: $scratch/test-labels}
model:
  layers:
    - dense: {units: 32, activation: relu}
    - dense: {units: 10, activation: softmax}
train: {epochs: 400, batch_size: 16}
YAML
"$DIGITLAB" check "$scratch/idx.yaml" >/dev/null; ok $? "the IDX files made here are valid"
"$DIGITLAB" queue add "$scratch/idx.yaml" >/dev/null
"$DIGITLAB" serve --workers 1 > "$scratch/serve.log" 2>&1 &
pid=$!
for i in $(seq 1 200); do
	"$DIGITLAB" ls --json | grep -q '"status":"running"' && break
	sleep 0.05
done
rm "$scratch/train-images"
for i in $(seq 1 40); do
	"$DIGITLAB" ls --json | grep -q '"epochs":[1-9][0-9]' && break
	sleep 0.1
done
kill -9 $pid; wait $pid 2>/dev/null
"$DIGITLAB" ls --json | grep -q '"epochs":[1-9][0-9]'
ok $? "with its training file removed, the run went on training"
"$DIGITLAB" serve --drain --workers 1 > "$scratch/serve.log" 2>&1
msg=$("$DIGITLAB" show 1 | sed -n 's/^message: //p')
case "$msg" in
*"$scratch/train-images"*) ok 0 "resumed without its file, the run fails naming it ($msg)";;
*) ok 1 "resumed without its file, the run fails naming it ($msg)";;
esac
is "$("$DIGITLAB" ls --json | sed 's/.*"status":"\([a-z]*\)".*/\1/')" failed "and is marked failed, not lost: retry continues it"
idx_images "$scratch/train-images"
"$DIGITLAB" retry 1 >/dev/null && "$DIGITLAB" serve --drain --workers 1 > "$scratch/serve.log" 2>&1
ok $? "with the file back, retry trains it"
is "$("$DIGITLAB" ls --json | sed 's/.*"status":"\([a-z]*\)".*"epochs":\([0-9]*\).*/\1 \2/; s/.*"epochs":\([0-9]*\).*"status":"\([a-z]*\)".*/\2 \1/')" \
	"done 400" "to the end"

done_testing
