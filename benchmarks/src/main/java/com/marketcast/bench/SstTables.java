package com.marketcast.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.state.IncrementalKeyedStateHandle.HandleAndLocalPath;
import org.apache.flink.runtime.state.IncrementalRemoteKeyedStateHandle;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.SstFileReader;
import org.rocksdb.TableProperties;

/**
 * What a RocksDB checkpoint holds per state (each state is a column family): its entries, their key
 * and value bytes as written, and the bytes stored after RocksDB's prefix and block compression,
 * summed over the table properties of the checkpoint's SST files. It says where each byte of a
 * subscription goes.
 */
final class SstTables {
    private SstTables() {}

    /**
     * One state's totals. {@code keyBytes} are RocksDB's internal keys: Flink's key (key group, the
     * keyed-state key, the map key) and RocksDB's 8-byte sequence number and type.
     */
    record Table(String state, long entries, long keyBytes, long valueBytes, long storedBytes) {
        Table plus(TableProperties p) {
            return new Table(
                    state,
                    entries + p.getNumEntries(),
                    keyBytes + p.getRawKeySize(),
                    valueBytes + p.getRawValueSize(),
                    storedBytes + p.getDataSize() + p.getIndexSize() + p.getFilterSize());
        }
    }

    /** The tables of the checkpoint at {@code externalPath} (a {@code file:} URI), by state. */
    static Map<String, Table> of(String externalPath) throws IOException, RocksDBException {
        CheckpointMetadata metadata;
        try (DataInputStream in =
                new DataInputStream(
                        Files.newInputStream(
                                Path.of(URI.create(externalPath)).resolve("_metadata")))) {
            metadata =
                    Checkpoints.loadCheckpointMetadata(
                            in, SstTables.class.getClassLoader(), externalPath);
        }
        RocksDB.loadLibrary(); // loaded already by the job's backend in this JVM
        Map<String, Table> tables = new TreeMap<>();
        Path copy = Files.createTempFile("marketcast-sst-", ".sst");
        try (Options options = new Options()) {
            for (HandleAndLocalPath file : sstFiles(metadata)) {
                // small files may be inlined in the metadata: read every one through its handle
                try (InputStream in = file.getHandle().openInputStream()) {
                    Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
                }
                try (SstFileReader reader = new SstFileReader(options)) {
                    reader.open(copy.toString());
                    TableProperties p = reader.getTableProperties();
                    String state = new String(p.getColumnFamilyName(), StandardCharsets.UTF_8);
                    tables.compute(
                            state, (s, t) -> (t == null ? new Table(s, 0, 0, 0, 0) : t).plus(p));
                }
            }
        } finally {
            Files.deleteIfExists(copy);
        }
        return tables;
    }

    private static List<HandleAndLocalPath> sstFiles(CheckpointMetadata metadata) {
        List<HandleAndLocalPath> files = new ArrayList<>();
        for (OperatorState operator : metadata.getOperatorStates()) {
            for (OperatorSubtaskState subtask : operator.getStates()) {
                for (KeyedStateHandle keyed : subtask.getManagedKeyedState()) {
                    if (keyed instanceof IncrementalRemoteKeyedStateHandle incremental) {
                        for (List<HandleAndLocalPath> part :
                                List.of(
                                        incremental.getSharedState(),
                                        incremental.getPrivateState())) {
                            part.stream()
                                    .filter(f -> f.getLocalPath().endsWith(".sst"))
                                    .forEach(files::add);
                        }
                    }
                }
            }
        }
        return files;
    }
}
