"""Operations the Array API standard lacks, each with a native fast path and a standard fallback."""
