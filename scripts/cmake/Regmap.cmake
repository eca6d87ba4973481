# Placeholder until the generator lands.
function(trnsim_regmap block json)
endfunction()
